using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AiStack.Coordinator.Routing;
using AiStack.Contracts.Telemetry;
using AiStack.Coordinator.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Caching;

/// <summary>
/// Answers a request from earlier answers: exactly the same request, or (semantic) the same conversation whose last user
/// message is at least <see cref="ResponseCacheOptions.SemanticThreshold"/> similar by embedding. Requests only share
/// answers within one partition: same earlier messages, same generation settings and the same routing constraints.
/// </summary>
public sealed class ResponseCacheChatClient(
    IChatClient inner,
    IEmbeddingGenerator<string, Embedding<float>>? embedder,
    IOptionsMonitor<ResponseCacheOptions> options,
    CoordinatorTelemetry telemetry,
    ITelemetryEvents events,
    TimeProvider time,
    ILogger<ResponseCacheChatClient> logger) : DelegatingChatClient(inner)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _lru = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byKey = new(StringComparer.Ordinal);
    private long _hits;
    private long _misses;

    private sealed record Entry(string Key, string Partition, float[]? Embedding, CachedAnswer Answer, DateTimeOffset Expires);

    private sealed record CachedAnswer(string Text, ChatFinishReason? FinishReason, string? ModelId, UsageDetails? Usage, AdditionalPropertiesDictionary? Report);

    public (long Hits, long Misses) Counts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        if (!options.CurrentValue.Enabled)
        {
            return await base.GetResponseAsync(list, chatOptions, cancellationToken);
        }

        var lookup = await LookupAsync(list, chatOptions, cancellationToken);
        if (lookup.Hit is { } hit)
        {
            return ToResponse(hit);
        }

        var response = await base.GetResponseAsync(list, chatOptions, cancellationToken);
        if (response.FinishReason != ChatFinishReason.ContentFilter)
        {
            Store(lookup, new CachedAnswer(response.Text, response.FinishReason, response.ModelId, response.Usage, response.AdditionalProperties));
        }

        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        if (!options.CurrentValue.Enabled)
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, chatOptions, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var lookup = await LookupAsync(list, chatOptions, cancellationToken);
        if (lookup.Hit is { } hit)
        {
            var response = ToResponse(hit);
            foreach (var update in response.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(list, chatOptions, cancellationToken))
        {
            updates.Add(update);
            yield return update;
        }

        var whole = updates.ToChatResponse();
        var report = updates.FirstOrDefault(u => u.AdditionalProperties is not null)?.AdditionalProperties;
        Store(lookup, new CachedAnswer(whole.Text, whole.FinishReason, whole.ModelId, whole.Usage, report));
    }

    private sealed record Lookup(string Key, string Partition, float[]? Embedding, CachedAnswer? Hit);

    private async Task<Lookup> LookupAsync(IList<ChatMessage> messages, ChatOptions? chatOptions, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var last = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var partition = Hash(Describe(messages.Take(Math.Max(0, messages.Count - 1)), chatOptions));
        var key = Hash(partition + "\n" + last);
        var now = time.GetUtcNow();

        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node) && node.Value.Expires > now)
            {
                Touch(node);
                return Hit("exact_hit", new Lookup(key, partition, null, node.Value.Answer));
            }
        }

        float[]? embedding = null;
        if (settings.SemanticEnabled && embedder is not null && last.Length > 0)
        {
            try
            {
                var generated = await embedder.GenerateAsync([last], cancellationToken: cancellationToken);
                embedding = generated[0].Vector.ToArray();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Without an embedder the cache still answers exact repeats.
                logger.LogDebug("Semantic cache lookup skipped: {Error}", ex.Message);
            }
        }

        if (embedding is not null)
        {
            lock (_gate)
            {
                LinkedListNode<Entry>? best = null;
                var bestScore = settings.SemanticThreshold;
                for (var node = _lru.First; node is not null; node = node.Next)
                {
                    var entry = node.Value;
                    if (entry.Partition != partition || entry.Embedding is null || entry.Expires <= now || entry.Embedding.Length != embedding.Length)
                    {
                        continue;
                    }

                    var score = TensorPrimitives.CosineSimilarity(entry.Embedding, embedding);
                    if (score >= bestScore)
                    {
                        bestScore = score;
                        best = node;
                    }
                }

                if (best is not null)
                {
                    Touch(best);
                    return Hit("semantic_hit", new Lookup(key, partition, embedding, best.Value.Answer));
                }
            }
        }

        Interlocked.Increment(ref _misses);
        telemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
        return new Lookup(key, partition, embedding, null);
    }

    private Lookup Hit(string kind, Lookup lookup)
    {
        Interlocked.Increment(ref _hits);
        telemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("result", kind));
        events.Publish(TelemetryEventTypes.CacheHit, new { kind, route = lookup.Hit?.Report.Get(RouteHints.RouteKey) });
        return lookup;
    }

    private void Store(Lookup lookup, CachedAnswer answer)
    {
        var settings = options.CurrentValue;
        var entry = new Entry(lookup.Key, lookup.Partition, lookup.Embedding, answer, time.GetUtcNow() + settings.TimeToLive);
        lock (_gate)
        {
            if (_byKey.Remove(lookup.Key, out var existing))
            {
                _lru.Remove(existing);
            }

            _byKey[lookup.Key] = _lru.AddFirst(entry);
            while (_lru.Count > settings.MaxEntries)
            {
                _byKey.Remove(_lru.Last!.Value.Key);
                _lru.RemoveLast();
            }
        }
    }

    private void Touch(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _lru.AddFirst(node);
    }

    private static ChatResponse ToResponse(CachedAnswer answer)
    {
        var report = answer.Report is null ? new AdditionalPropertiesDictionary() : new AdditionalPropertiesDictionary(answer.Report);
        report[RouteHints.CachedKey] = true;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer.Text))
        {
            FinishReason = answer.FinishReason,
            ModelId = answer.ModelId,
            // A cached answer cost no tokens now; the original usage stays in the report.
            Usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 0, TotalTokenCount = 0 },
            AdditionalProperties = report,
        };
    }

    private static string Describe(IEnumerable<ChatMessage> earlier, ChatOptions? chatOptions)
    {
        var hints = RouteHints.From(chatOptions);
        return JsonSerializer.Serialize(new
        {
            earlier = earlier.Select(m => new { role = m.Role.Value, text = m.Text }),
            model = chatOptions?.ModelId,
            chatOptions?.Temperature,
            chatOptions?.TopP,
            chatOptions?.TopK,
            chatOptions?.MaxOutputTokens,
            chatOptions?.Seed,
            chatOptions?.FrequencyPenalty,
            chatOptions?.PresencePenalty,
            stop = chatOptions?.StopSequences,
            // A private or pinned request must never be answered from a cache entry another route produced.
            hints.Private,
            forced = hints.ForcedRoute?.ToWireName(),
        });
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
