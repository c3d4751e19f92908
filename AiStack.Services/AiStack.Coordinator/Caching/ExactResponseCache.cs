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
public sealed class ExactResponseCache(IChatClient inner, IDistributedCache storage, CacheRules rules, IOptionsMonitor<ResponseCacheOptions> options)
    : DistributedCachingChatClient(inner, storage)
{
    private readonly IDistributedCache _storage = storage;

    protected override bool EnableCaching(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions) =>
        options.CurrentValue.Enabled && CacheRules.MayReplay(chatOptions);

    protected override async Task<ChatResponse?> ReadCacheAsync(string key, CancellationToken cancellationToken) =>
        await base.ReadCacheAsync(key, cancellationToken) is { } cached ? rules.Replayed(cached, "exact_hit") : null;

    protected override async Task<IReadOnlyList<ChatResponseUpdate>?> ReadCacheStreamingAsync(string key, CancellationToken cancellationToken)
    {
        var cached = await base.ReadCacheStreamingAsync(key, cancellationToken);
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
            : _storage.SetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.GetTypeInfo(typeof(ChatResponse))), Expiry(), cancellationToken);

    protected override Task WriteCacheStreamingAsync(string key, IReadOnlyList<ChatResponseUpdate> value, CancellationToken cancellationToken) =>
        _storage.SetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.GetTypeInfo(typeof(IReadOnlyList<ChatResponseUpdate>))), Expiry(), cancellationToken);

    private DistributedCacheEntryOptions Expiry() => new() { AbsoluteExpirationRelativeToNow = options.CurrentValue.TimeToLive };
}
