using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.Hosting;

namespace AiStack.ServiceDefaults.Metrics;

/// <summary>Starts listening to meters when the host starts, and publishes the circuit-breaker gauge.</summary>
internal sealed class MetricsStartup(PrometheusMetricsCollector collector, CircuitBreakerMetrics breakerMetrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Taking the breaker metrics as a dependency is what creates their gauge; nothing else asks for them.
        GC.KeepAlive(breakerMetrics);
        collector.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
