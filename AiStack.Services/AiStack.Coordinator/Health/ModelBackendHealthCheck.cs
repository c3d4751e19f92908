using AiStack.Coordinator.Backends;
using AiStack.Coordinator.Knowledge;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Coordinator.Health;

/// <summary>One backend's health: configured or not, and its breaker. Non-critical: the other backend can still answer.</summary>
public sealed class ModelBackendHealthCheck(ModelBackends backends) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var route = context.Registration.Name == "remote_model" ? backends.Remote : backends.Local;
        var data = new Dictionary<string, object>
        {
            ["configured"] = route.IsConfigured,
            ["model"] = route.Name,
            ["circuit_breaker"] = CircuitBreakerRegistry.ToWire(CircuitBreakerRegistry.FromPolly(route.BreakerState)),
        };
        var other = route == backends.Local ? backends.Remote : backends.Local;
        if (!route.IsConfigured)
        {
            var fix = route == backends.Local
                ? route.UnavailableReason ?? "Set Inference__ModelPath to a GGUF file to enable the local model."
                : "Set Remote__Endpoint and Remote__Model (and Remote__ApiKey) to enable the remote model.";
            // Not having one backend is a choice; having none at all is a problem.
            return Task.FromResult(other.IsConfigured
                ? HealthCheckResult.Healthy("not configured: " + fix, data)
                : HealthCheckResult.Degraded("No model backend is configured. " + fix, data: data));
        }

        return Task.FromResult(route.Availability == Routing.BackendAvailability.Available
            ? HealthCheckResult.Healthy($"{route.Name} ready", data)
            : HealthCheckResult.Degraded($"{route.Name} is unavailable ({route.UnavailableReason ?? "circuit breaker open"}); requests go to the other backend", data: data));
    }
}

/// <summary>The KnowledgeBase, with its collections. Non-critical: without it answers come without context.</summary>
public sealed class KnowledgeBaseHealthCheck(KnowledgeBaseClient knowledgeBase) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var collections = await knowledgeBase.GetCollectionsAsync(cancellationToken);
            return HealthCheckResult.Healthy("reachable", new Dictionary<string, object> { ["collections"] = string.Join(", ", collections.Collections.Select(c => c.Name)) });
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.ExecutionRejectedException)
        {
            return HealthCheckResult.Degraded(
                $"KnowledgeBase at {knowledgeBase.BaseAddress} is unreachable ({ex.Message}); answers come without context. Check services__knowledgebase__http__0.");
        }
    }
}
