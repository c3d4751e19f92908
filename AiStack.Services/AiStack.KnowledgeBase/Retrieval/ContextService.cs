using System.Diagnostics;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.KnowledgeBase.Embeddings;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>Answers /context: from the cache when it can, else by hybrid retrieval, then fills the cache.</summary>
public sealed class ContextService(
    HybridRetriever retriever,
    IRetrievalCache cache,
    KnowledgeEmbedder embedder,
    IOptions<CacheOptions> cacheOptions,
    KnowledgeBaseTelemetry telemetry,
    ITelemetryEvents events,
    TimeProvider timeProvider)
{
    public async Task<ContextResponse> GetContextAsync(ContextRequest request, ContextQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(query);
        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.context");
        var started = timeProvider.GetTimestamp();
        var key = ContextCacheKey.For(request, query.Collections, embedder.ModelId);
        var lookup = new CacheLookup(null, -1);
        if (cacheOptions.Value.Enabled)
        {
            lookup = await cache.LookupAsync(key, cancellationToken);
            if (lookup.Value is { } cached)
            {
                telemetry.CacheHit();
                var hitTime = timeProvider.GetElapsedTime(started).TotalMilliseconds;
                telemetry.ContextAnswered(hitTime, cached: true);
                activity?.SetTag("kb.cache", "hit");
                var answer = cached with { TookMs = Math.Round(hitTime, 3), Cached = true, Query = query.Query };
                Publish(answer, query);
                return answer;
            }

            telemetry.CacheMiss();
            activity?.SetTag("kb.cache", "miss");
        }

        var results = await retriever.RetrieveAsync(query, cancellationToken);
        var took = timeProvider.GetElapsedTime(started).TotalMilliseconds;
        var response = new ContextResponse(results, query.Query, Math.Round(took, 3), Cached: false);
        if (cacheOptions.Value.Enabled)
        {
            await cache.StoreAsync(key, lookup.Generation, response, cancellationToken);
        }

        telemetry.ContextAnswered(took, cached: false);
        activity?.SetStatus(ActivityStatusCode.Ok);
        Publish(response, query);
        return response;
    }

    private void Publish(ContextResponse response, ContextQuery query) =>
        events.Publish(TelemetryEventTypes.ContextRetrieved, new ContextRetrievedPayload(
            query.Query,
            query.Collections.Select(c => c.Name).ToArray(),
            response.Results.Count,
            response.Results.Count == 0 ? null : response.Results.Max(r => r.Score),
            response.Results.Select(r => Math.Round(r.Score, 4)).ToArray(),
            response.Results.Select(r => r.Collection).Distinct().ToArray(),
            response.TookMs,
            response.Cached));
}
