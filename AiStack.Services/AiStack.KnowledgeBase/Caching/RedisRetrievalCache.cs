using System.Text.Json;
using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AiStack.KnowledgeBase.Caching;

/// <summary>
/// The full profile's cache, shared by replicas: Redis through the service's multiplexer (Aspire's client integration, see
/// <c>AddStackRedisClient</c>), async API only (the sync API starves the thread pool). The generation lives in Redis (INCR), entries carry the generation they were computed under, and one MGET
/// reads both. Every operation has a short timeout; any failure is logged, counted, and treated as a miss. An invalidation that
/// could not reach Redis is retried before the next lookup, and until it succeeds every lookup is a miss, so a stale answer is
/// never served after a change.
/// </summary>
public sealed class RedisRetrievalCache : IRetrievalCache
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly CacheOptions _options;
    private readonly KnowledgeBaseTelemetry _telemetry;
    private readonly ILogger<RedisRetrievalCache> _logger;
    private readonly IConnectionMultiplexer _connection;
    private readonly RedisKey _generationKey;
    private int _invalidationPending;
    private long _lastWarningTicks;

    public RedisRetrievalCache(IConnectionMultiplexer connection, IOptions<CacheOptions> options, KnowledgeBaseTelemetry telemetry, ILogger<RedisRetrievalCache> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        _generationKey = _options.KeyPrefix + "generation";
    }

    public string Name => "redis";

    public async Task<CacheLookup> LookupAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            if (Volatile.Read(ref _invalidationPending) == 1)
            {
                await IncrementGenerationAsync(cancellationToken);
                Volatile.Write(ref _invalidationPending, 0);
            }

            var database = await DatabaseAsync(cancellationToken);
            var values = await database.StringGetAsync([_generationKey, EntryKey(key)]).WaitAsync(_options.RedisTimeout, cancellationToken);
            var generation = values[0].IsNull ? 0L : (long)values[0];
            if (values[1].IsNull)
            {
                return new CacheLookup(null, generation);
            }

            var entry = JsonSerializer.Deserialize<Entry>((string)values[1]!, Json);
            return new CacheLookup(entry?.Generation == generation ? entry.Value : null, generation);
        }
        catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
        {
            Failed("lookup", ex);
            return new CacheLookup(null, -1);
        }
    }

    public async Task StoreAsync(string key, long generation, ContextResponse value, CancellationToken cancellationToken)
    {
        if (generation < 0)
        {
            return;
        }

        try
        {
            var database = await DatabaseAsync(cancellationToken);
            var json = JsonSerializer.Serialize(new Entry(generation, value), Json);
            await database.StringSetAsync(EntryKey(key), json, _options.TimeToLive).WaitAsync(_options.RedisTimeout, cancellationToken);
        }
        catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
        {
            Failed("store", ex);
        }
    }

    public async Task InvalidateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await IncrementGenerationAsync(cancellationToken);
        }
        catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
        {
            Volatile.Write(ref _invalidationPending, 1);
            Failed("invalidate", ex);
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var database = await DatabaseAsync(cancellationToken);
            var latency = await database.PingAsync().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return HealthCheckResult.Healthy($"redis, ping {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
        {
            // Non-critical: without Redis the knowledge base answers every request uncached.
            return HealthCheckResult.Degraded(
                $"Redis is unreachable ({ex.Message}); /context answers without a cache. Start Redis or fix ConnectionStrings__redis.", ex);
        }
    }

    private async Task IncrementGenerationAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken);
        await database.StringIncrementAsync(_generationKey).WaitAsync(_options.RedisTimeout, cancellationToken);
    }

    private Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_connection.GetDatabase());
    }

    private RedisKey EntryKey(string key) => _options.KeyPrefix + "ctx:" + key;

    private static bool IsCacheFailure(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is RedisException or TimeoutException or JsonException or ObjectDisposedException or InvalidOperationException;

    private void Failed(string operation, Exception ex)
    {
        _telemetry.CacheError(operation);
        // One warning per 30 s is enough to say the cache is bypassed; more would flood the log while Redis is down.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarningTicks);
        if (now - last > 30_000 && Interlocked.CompareExchange(ref _lastWarningTicks, now, last) == last)
        {
            _logger.LogWarning("Redis cache {Operation} failed, bypassing the cache: {Error}", operation, ex.Message);
        }
    }

    private sealed record Entry(long Generation, ContextResponse Value);
}
