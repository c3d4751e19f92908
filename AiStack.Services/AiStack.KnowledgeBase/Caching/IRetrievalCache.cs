using AiStack.Contracts.KnowledgeBase;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.KnowledgeBase.Caching;

/// <summary>What a lookup found, and the generation it saw (pass it back to <see cref="IRetrievalCache.StoreAsync"/>).</summary>
public readonly record struct CacheLookup(ContextResponse? Value, long Generation);

/// <summary>
/// Cache of /context answers keyed by a hash of the normalized request. A generation counter, bumped on every document change,
/// invalidates everything at once; an answer computed under an older generation is never served. Failures never surface:
/// a cache that cannot answer is a miss.
/// </summary>
public interface IRetrievalCache
{
    string Name { get; }

    Task<CacheLookup> LookupAsync(string key, CancellationToken cancellationToken);

    Task StoreAsync(string key, long generation, ContextResponse value, CancellationToken cancellationToken);

    Task InvalidateAsync(CancellationToken cancellationToken);

    Task<HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken);
}
