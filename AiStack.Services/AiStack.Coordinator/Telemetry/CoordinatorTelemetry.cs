using System.Diagnostics.Metrics;

namespace AiStack.Coordinator.Telemetry;

/// <summary>
/// The Coordinator's meter and activity source and its own instruments. The gen_ai spans and metrics of model calls come from
/// Microsoft.Extensions.AI's OpenTelemetry client under the same name.
/// </summary>
public sealed class CoordinatorTelemetry
{
    public const string Name = "AiStack.Coordinator";

    public CoordinatorTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        RouteDecisions = meter.CreateCounter<long>("hybrid_route_decisions", description: "Routing decisions by route and reason.");
        RouteErrors = meter.CreateCounter<long>("hybrid_route_errors", description: "Failed calls to a backend, by route.");
        RequestLatency = meter.CreateHistogram<double>("hybrid_request_latency", unit: "s", description: "Latency of Coordinator requests by endpoint.");
        Tokens = meter.CreateCounter<long>("hybrid_tokens", description: "Tokens by route and type (input, output).");
        CacheLookups = meter.CreateCounter<long>("hybrid_cache_lookups", description: "Response cache lookups by result (exact_hit, semantic_hit, miss).");
    }

    public Counter<long> RouteDecisions { get; }

    public Counter<long> RouteErrors { get; }

    public Histogram<double> RequestLatency { get; }

    public Counter<long> Tokens { get; }

    public Counter<long> CacheLookups { get; }
}
