using AiStack.Contracts.Telemetry;
using AiStack.Coordinator.Routing;
using AiStack.Coordinator.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.Caching;

/// <summary>What both answer caches share: when an answer may be replayed, how a replay is marked, and the hit/miss counts.</summary>
public sealed class CacheRules(CoordinatorTelemetry telemetry, ITelemetryEvents events)
{
    private long _hits;
    private long _misses;

    public (long Hits, long Misses) Counts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>
    /// Only a deterministic request may be answered from a cache: temperature 0 said explicitly. A request that samples (a
    /// temperature above 0, or none, whose defaults sample) asks for a fresh answer each time.
    /// </summary>
    public static bool MayReplay(ChatOptions? options) => options?.Temperature is 0f;

    /// <summary>Marks a replayed answer: its usage stays the original's (what the answer cost), and <c>aistack.cached</c> is set.</summary>
    public ChatResponse Replayed(ChatResponse response, string kind)
    {
        (response.AdditionalProperties ??= [])[RouteHints.CachedKey] = true;
        Hit(kind, response.AdditionalProperties.Get(RouteHints.RouteKey));
        return response;
    }

    public void Hit(string kind, string? route)
    {
        Interlocked.Increment(ref _hits);
        telemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("result", kind));
        events.Publish(TelemetryEventTypes.CacheHit, new CacheHitPayload(kind, route));
    }

    public void Miss()
    {
        Interlocked.Increment(ref _misses);
        telemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
    }
}
