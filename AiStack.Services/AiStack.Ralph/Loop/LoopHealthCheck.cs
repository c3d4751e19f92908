using AiStack.Ralph.Backends;
using AiStack.Ralph.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Ralph.Loop;

/// <summary>The original's health fields: the loop runs (else degraded), whether it is enabled, active tasks, declared backends.</summary>
public sealed class LoopHealthCheck(RalphLoop loop, RalphTelemetry telemetry, BackendRegistry backends, ReplicaIdentity replica) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["loop_running"] = loop.IsRunning,
            ["loop_enabled"] = telemetry.LoopEnabled,
            ["active_tasks"] = telemetry.ActiveTasks,
            ["backends"] = string.Join(", ", backends.All.Select(b => $"{b.Name} ({b.Kind})")),
            ["replica"] = replica.Id,
        };
        var healthy = loop.IsRunning && telemetry.LoopEnabled;
        return Task.FromResult(healthy
            ? HealthCheckResult.Healthy("The loop is running.", data)
            : HealthCheckResult.Degraded(loop.IsRunning ? "The loop is disabled by settings." : "The loop is not running.", data: data));
    }
}
