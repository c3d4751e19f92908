using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Caching;

/// <summary>
/// The exact answer cache: Microsoft.Extensions.AI's <see cref="DistributedCachingChatClient"/> on the service's
/// <see cref="IDistributedCache"/> (memory, or Redis where one is registered). The key covers every message and every option,
/// the routing hints included, so a private or pinned request never shares an entry with another route. AiStack adds three
/// rules: only deterministic requests (<see cref="CacheRules.MayReplay"/>), a replay is marked, and entries expire.
/// </summary>
public sealed partial class ExactResponseCache(
    IChatClient inner, IDistributedCache storage, CacheRules rules, IOptionsMonitor<ResponseCacheOptions> options, ILogger<ExactResponseCache> logger)
    : DistributedCachingChatClient(inner, storage)
{
    private readonly IDistributedCache _storage = storage;

    protected override bool EnableCaching(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions) =>
        options.CurrentValue.Enabled && CacheRules.MayReplay(chatOptions);

    // A cache that is away (Redis restarting, a timeout) or an unreadable entry is a miss, never a failed request.
    protected override async Task<ChatResponse?> ReadCacheAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await base.ReadCacheAsync(key, cancellationToken) is { } cached ? rules.Replayed(cached, "exact_hit") : null;
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            LogStorageFailed("read", ex.Message);
            return null;
        }
    }

    protected override async Task<IReadOnlyList<ChatResponseUpdate>?> ReadCacheStreamingAsync(string key, CancellationToken cancellationToken)
    {
        IReadOnlyList<ChatResponseUpdate>? cached;
        try
        {
            cached = await base.ReadCacheStreamingAsync(key, cancellationToken);
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            LogStorageFailed("read", ex.Message);
            return null;
        }

        if (cached is { Count: > 0 })
        {
            (cached[0].AdditionalProperties ??= [])[Routing.RouteHints.CachedKey] = true;
            rules.Hit("exact_hit", null);
        }

        return cached;
    }

    protected override Task WriteCacheAsync(string key, ChatResponse value, CancellationToken cancellationToken) =>
        value.FinishReason == ChatFinishReason.ContentFilter
            ? Task.CompletedTask
            : WriteAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.GetTypeInfo(typeof(ChatResponse))), cancellationToken);

    protected override Task WriteCacheStreamingAsync(string key, IReadOnlyList<ChatResponseUpdate> value, CancellationToken cancellationToken) =>
        WriteAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.GetTypeInfo(typeof(IReadOnlyList<ChatResponseUpdate>))), cancellationToken);

    private async Task WriteAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        try
        {
            await _storage.SetAsync(key, value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.CurrentValue.TimeToLive }, cancellationToken);
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            LogStorageFailed("write", ex.Message);
        }
    }

    private static bool IsStorageFailure(Exception exception, CancellationToken cancellationToken) =>
        !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer cache could not {Operation} its storage, so the request goes on without it: {Error}")]
    private partial void LogStorageFailed(string operation, string error);
}
