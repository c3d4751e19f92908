using AiStack.Contracts.KnowledgeBase;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Caching;

/// <summary>The embedded profile's cache: a size-bounded <see cref="MemoryCache"/> in this process.</summary>
public sealed class MemoryRetrievalCache : IRetrievalCache, IDisposable
{
    private readonly MemoryCache _cache;
    private readonly CacheOptions _options;
    private long _generation;

    public MemoryRetrievalCache(IOptions<CacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.MaxEntries });
    }

    public string Name => "in-process";

    public Task<CacheLookup> LookupAsync(string key, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        var hit = _cache.TryGetValue<Entry>(key, out var entry) && entry!.Generation == generation ? entry.Value : null;
        return Task.FromResult(new CacheLookup(hit, generation));
    }

    public Task StoreAsync(string key, long generation, ContextResponse value, CancellationToken cancellationToken)
    {
        if (generation == Interlocked.Read(ref _generation))
        {
            _cache.Set(key, new Entry(generation, value), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.TimeToLive });
        }

        return Task.CompletedTask;
    }

    public Task InvalidateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _generation);
        return Task.CompletedTask;
    }

    public Task<HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(HealthCheckResult.Healthy($"in-process cache, {_cache.Count} entries"));

    public void Dispose() => _cache.Dispose();

    private sealed record Entry(long Generation, ContextResponse Value);
}
