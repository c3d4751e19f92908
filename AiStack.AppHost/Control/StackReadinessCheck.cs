using AiStack.AppHost.Orchestration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.AppHost.Control;

/// <summary>The AppHost is ready when start-up has finished and every resource is Ready.</summary>
internal sealed class StackReadinessCheck(StackOrchestrator stack) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var states = stack.Supervisors.ToDictionary(s => s.Name, s => (object)s.State.ToString());
        var notReady = stack.Supervisors.Where(s => s.State != ResourceState.Ready).Select(s => $"{s.Name} is {s.State}").ToList();
        if (!stack.StartupCompleted)
        {
            notReady.Insert(0, "start-up in progress");
        }

        return Task.FromResult(notReady.Count == 0
            ? HealthCheckResult.Healthy("All resources are ready.", states)
            : HealthCheckResult.Unhealthy(string.Join("; ", notReady), data: states));
    }
}
