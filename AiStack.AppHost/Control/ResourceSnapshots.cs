using System.Globalization;
using AiStack.AppHost.Supervision;
using AiStack.Contracts.Stack;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceState = AiStack.Contracts.Stack.ResourceState;

namespace AiStack.AppHost.Control;

/// <summary>Aspire's snapshot of a resource plus what the supervisor knows, as the control API's record.</summary>
public static class ResourceSnapshots
{
    public const int RecentLogCount = 50;
    public const int RecentErrorCount = 20;

    public static ResourceSnapshot From(SupervisedResource resource, string? dashboardUrl)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var snapshot = resource.Latest?.Snapshot;
        var endpoint = resource.Resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault();
        var port = endpoint?.Port ?? endpoint?.TargetPort;
        var isProject = resource.Resource is ProjectResource;
        var pid = Pid(snapshot);
        var state = StateOf(resource);
        return new ResourceSnapshot(
            Name: resource.Name,
            Kind: isProject ? "project" : "executable",
            // A health report can lag a crash by a moment: without its process a resource is not ready, whatever the last check said.
            State: state is ResourceState.Ready or ResourceState.Unhealthy && pid is null ? ResourceState.Running : state,
            Health: snapshot?.HealthStatus?.ToString(),
            Pid: pid,
            Port: port,
            Url: isProject && port is not null ? $"http://127.0.0.1:{port.Value.ToString(CultureInfo.InvariantCulture)}" : null,
            RestartCount: resource.RestartCount,
            StartedAt: snapshot?.StartTimeStamp is { } started ? new DateTimeOffset(DateTime.SpecifyKind(started, DateTimeKind.Utc)) : null,
            ExitCode: snapshot?.ExitCode ?? resource.LastExitCode,
            WaitsFor: resource.Resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Distinct().ToList(),
            StateReason: resource.StateReason,
            DashboardUrl: dashboardUrl is null || resource.Latest is null
                ? null
                : $"{dashboardUrl.TrimEnd('/')}/consolelogs/resource/{Uri.EscapeDataString(resource.Latest.ResourceId)}",
            RecentLogs: resource.Logs.Lines(RecentLogCount),
            RecentErrors: resource.Logs.Errors(RecentErrorCount));
    }

    public static ResourceState StateOf(SupervisedResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource.IsCrashLoop)
        {
            return ResourceState.CrashLoop;
        }

        var snapshot = resource.Latest?.Snapshot;
        return snapshot?.State?.Text switch
        {
            null => ResourceState.Pending,
            var s when s == KnownResourceStates.Starting || s == KnownResourceStates.Building => ResourceState.Starting,
            var s when s == KnownResourceStates.Running => resource.IsHealthyNow(snapshot)
                ? ResourceState.Ready
                : resource.WasReady ? ResourceState.Unhealthy : ResourceState.Running,
            var s when s == KnownResourceStates.Exited || s == KnownResourceStates.Finished =>
                resource.RestartScheduled ? ResourceState.Exited : ResourceState.Stopped,
            var s when s == KnownResourceStates.Stopping => ResourceState.Stopped,
            var s when s == KnownResourceStates.FailedToStart || s == KnownResourceStates.RuntimeUnhealthy => ResourceState.Failed,
            _ => ResourceState.Pending,
        };
    }

    /// <summary>The resource's own process (for a project the service under <c>dotnet run</c>), when it runs.</summary>
    public static int? ProcessOf(SupervisedResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Pid(resource.Latest?.Snapshot);
    }

    private static int? Pid(CustomResourceSnapshot? snapshot)
    {
        var value = snapshot?.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        int? pid = value switch
        {
            int number => number,
            long number => (int)number,
            string text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) => number,
            _ => null,
        };
        return pid is null ? null : ServiceProcess(pid.Value);
    }

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/status");

    /// <summary>
    /// DCP starts a project as <c>dotnet run --no-build</c>, which runs the service as its only child: the service's own process is
    /// the one that matters (signals, memory, "is it the same process after a restart").
    /// </summary>
    private static int? ServiceProcess(int pid)
    {
        if (!IsAlive(pid))
        {
            return null;
        }

        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            if (commandLine.Length > 1 && Path.GetFileName(commandLine[0]) == "dotnet" && commandLine[1] == "run")
            {
                // No child: the service has ended and `dotnet run` is about to.
                return Infrastructure.ProcessTree.ChildrenOf(pid) is [var service] ? service : null;
            }
        }
        catch (IOException)
        {
            // Gone meanwhile: report the pid DCP gave.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return pid;
    }
}
