using System.ComponentModel.DataAnnotations;

namespace AiStack.AppHost.Orchestration;

/// <summary>Bounds of the AppHost's supervision (configuration section <c>AppHost</c>).</summary>
public sealed class SupervisorOptions
{
    /// <summary>How long a resource may take from launch to ready before start-up fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a resource may take to stop after SIGTERM before its process tree is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a ready resource's readiness is checked again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    public RestartOptions Restart { get; set; } = new();
}
