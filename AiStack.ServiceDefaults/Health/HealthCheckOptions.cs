using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Health;

/// <summary>Configuration section <c>HealthChecks</c>.</summary>
public sealed class HealthChecksOptions
{
    public const string SectionName = "HealthChecks";

    /// <summary>
    /// How long one check may run before it counts as failed, unless its registration sets its own timeout.
    /// A hung dependency (a Redis that never answers) then shows as unhealthy instead of hanging the probe.
    /// </summary>
    [Range(0.05, 300, ErrorMessage = "HealthChecks:TimeoutSeconds must be between 0.05 and 300 seconds.")]
    public double TimeoutSeconds { get; set; } = 3;
}
