using System.Diagnostics;

namespace AiStack.AppHost.Launching;

/// <summary>One started process of a resource: its pid and a task that completes with its exit code.</summary>
public sealed class RunningProcess
{
    public RunningProcess(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        Process = process;
        Pid = process.Id;
        Exited = WaitForExitCodeAsync(process);
    }

    public Process Process { get; }

    public int Pid { get; }

    public Task<int> Exited { get; }

    public bool HasExited => Exited.IsCompleted;

    private static async Task<int> WaitForExitCodeAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}

/// <summary>Starts, probes and stops the process behind one kind of resource.</summary>
public interface IResourceLauncher
{
    /// <summary>Starts the process; <paramref name="onLine"/> receives each output line and whether it is an error.</summary>
    Task<RunningProcess> StartAsync(Action<string, bool> onLine, CancellationToken cancellationToken);

    /// <summary>Returns once the resource serves requests; cancelled by the caller's bound.</summary>
    Task WaitUntilReadyAsync(RunningProcess process, CancellationToken cancellationToken);

    /// <summary>One readiness check for the health monitor.</summary>
    Task<bool> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>SIGTERM (or the server's own clean-stop signal), wait up to <paramref name="grace"/>, then kill the process tree.</summary>
    Task StopAsync(RunningProcess process, TimeSpan grace);

    /// <summary>What readiness means, for messages ("GET http://127.0.0.1:8091/health/ready").</summary>
    string ReadinessDescription { get; }
}
