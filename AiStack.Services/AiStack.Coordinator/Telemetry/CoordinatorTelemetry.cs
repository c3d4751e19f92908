using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AiStack.Coordinator.Telemetry;

/// <summary>The Coordinator's meter and activity source, and every instrument it updates.</summary>
public sealed class CoordinatorTelemetry
{
    public const string Name = "AiStack.Coordinator";

    public static readonly ActivitySource ActivitySource = new(Name);

    public CoordinatorTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        RouteDecisions = meter.CreateCounter<long>("hybrid_route_decisions", description: "Routing decisions by route and reason.");
        RouteErrors = meter.CreateCounter<long>("hybrid_route_errors", description: "Failed calls to a backend, by route.");
        RequestLatency = meter.CreateHistogram<double>("hybrid_request_latency", unit: "s", description: "Latency of Coordinator requests by endpoint.");
        Tokens = meter.CreateCounter<long>("hybrid_tokens", description: "Tokens by route and type (input, output).");
        CacheLookups = meter.CreateCounter<long>("hybrid_cache_lookups", description: "Response cache lookups by result (exact_hit, semantic_hit, miss).");
        // OpenTelemetry GenAI semantic conventions.
        OperationDuration = meter.CreateHistogram<double>("gen_ai.client.operation.duration", unit: "s", description: "GenAI operation duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        TokenUsage = meter.CreateHistogram<long>("gen_ai.client.token.usage", unit: "{token}", description: "Tokens used per GenAI operation.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] });
    }

    public Counter<long> RouteDecisions { get; }

    public Counter<long> RouteErrors { get; }

    public Histogram<double> RequestLatency { get; }

    public Counter<long> Tokens { get; }

    public Counter<long> CacheLookups { get; }

    public Histogram<double> OperationDuration { get; }

    public Histogram<long> TokenUsage { get; }
}
