using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Hosting;

/// <summary>Configuration section <c>Startup</c>.</summary>
public sealed class StartupOptions
{
    public const string SectionName = "Startup";

    /// <summary>How long the service waits at start for its critical dependencies before it gives up and exits.</summary>
    [Range(0, 3600, ErrorMessage = "Startup:DependencyWaitSeconds must be between 0 and 3600.")]
    public double DependencyWaitSeconds { get; set; } = 30;

    /// <summary>Pause between two rounds of checks while waiting.</summary>
    [Range(0.01, 60, ErrorMessage = "Startup:DependencyRetrySeconds must be between 0.01 and 60.")]
    public double DependencyRetrySeconds { get; set; } = 1;

    /// <summary>Exit code of a service whose dependencies never came up.</summary>
    [Range(1, 255, ErrorMessage = "Startup:FailureExitCode must be between 1 and 255.")]
    public int FailureExitCode { get; set; } = 3;

    /// <summary>Sets the process exit code on failure; tests that host a service in their own process replace it.</summary>
    internal Action<int> SetExitCode { get; set; } = code => Environment.ExitCode = code;
}
