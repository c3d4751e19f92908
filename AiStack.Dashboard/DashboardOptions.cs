using System.ComponentModel.DataAnnotations;
using AiStack.Dashboard.Stack;

namespace AiStack.Dashboard;

/// <summary>Configuration section <c>Dashboard</c>.</summary>
public sealed class DashboardOptions : IValidatableObject
{
    public const string SectionName = "Dashboard";

    /// <summary>How often a page reloads its figures.</summary>
    [Range(0.2, 3600)]
    public double RefreshSeconds { get; set; } = 2;

    /// <summary>The longest a page waits for one service before it shows that service as unreachable.</summary>
    [Range(0.1, 600)]
    public double ServiceTimeoutSeconds { get; set; } = 3;

    /// <summary>The longest a restart through the AppHost may take (it answers once the resource is ready again).</summary>
    [Range(1, 3600)]
    public double RestartTimeoutSeconds { get; set; } = 120;

    /// <summary><c>apphost</c> (development: the AppHost's control API) or <c>kubernetes</c> (a rollout restart).</summary>
    public string Restarts { get; set; } = RestartModes.AppHost;

    /// <summary>The Aspire dashboard's address, for links to a resource's page when the AppHost gives none.</summary>
    public Uri? AspireDashboardUrl { get; set; }

    public KubernetesSettings Kubernetes { get; set; } = new();

    public TimeSpan RefreshInterval => TimeSpan.FromSeconds(RefreshSeconds);

    public TimeSpan ServiceTimeout => TimeSpan.FromSeconds(ServiceTimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Restarts is not (RestartModes.AppHost or RestartModes.Kubernetes))
        {
            yield return new ValidationResult(
                $"Dashboard:Restarts is '{Restarts}'; use '{RestartModes.AppHost}' or '{RestartModes.Kubernetes}'.", [nameof(Restarts)]);
        }
    }

    public sealed class KubernetesSettings
    {
        /// <summary>The namespace the stack's Deployments live in.</summary>
        [Required]
        public string Namespace { get; set; } = "aistack";
    }
}
