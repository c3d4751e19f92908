using System.Diagnostics.Metrics;
using AiStack.ServiceDefaults.Telemetry;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>Publishes every registered breaker as <c>aistack_circuit_breaker_state{name}</c>: 0 closed, 1 half-open, 2 open.</summary>
public sealed class CircuitBreakerMetrics
{
    public const string InstrumentName = "aistack.circuit_breaker.state";

    public CircuitBreakerMetrics(IMeterFactory meterFactory, CircuitBreakerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(registry);
        var meter = meterFactory.Create(TelemetrySources.DefaultsMeter);
        meter.CreateObservableGauge(
            InstrumentName,
            () => registry.Snapshot().Select(breaker =>
                new Measurement<int>((int)breaker.Value, new KeyValuePair<string, object?>("name", breaker.Key))),
            description: "Circuit breaker state by breaker name: 0 closed, 1 half-open, 2 open.");
    }
}
