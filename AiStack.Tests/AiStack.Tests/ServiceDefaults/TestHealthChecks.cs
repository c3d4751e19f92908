using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>A dependency whose state the test decides.</summary>
internal sealed class SwitchableCheck(Func<HealthCheckResult> result) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(result());
}

/// <summary>A dependency that never answers and ignores cancellation, like a Redis client stuck on a dead socket.</summary>
internal sealed class HungCheck : IHealthCheck
{
    private readonly TaskCompletionSource<HealthCheckResult> _never = new();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => _never.Task;
}
