using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AiStack.Coordinator.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Caching;

/// <summary>
/// The semantic answer cache (Microsoft.Extensions.AI has none): the same conversation whose last user message is at least
/// <see cref="ResponseCacheOptions.SemanticThreshold"/> similar by embedding (the KnowledgeBase's embedder, so similarity means
/// what it means in retrieval) gets the earlier answer. Answers are shared only within a partition: the same earlier messages,
/// generation settings, response format and routing constraints. Requests with tools are never answered from here: a tool call
/// answers one exact question.
/// </summary>
public sealed partial class SemanticResponseCache(
    IChatClient inner,
    IEmbeddingGenerator<string, Embedding<float>>? embedder,
    CacheRules rules,
    IOptionsMonitor<ResponseCacheOptions> options,
    TimeProvider time,
    ILogger<SemanticResponseCache> logger) : DelegatingChatClient(inner)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _lru = new();

    private sealed record Entry(string Partition, float[] Embedding, ChatResponse Answer, DateTimeOffset Expires);

    private sealed record Lookup(string Partition, float[]? Embedding, ChatResponse? Hit);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        if (!Applies(chatOptions))
        {
            return await base.GetResponseAsync(list, chatOptions, cancellationToken);
        }

        var lookup = await LookupAsync(list, chatOptions, cancellationToken);
        if (lookup.Hit is { } hit)
        {
            return rules.Replayed(Copy(hit), "semantic_hit");
        }

        var response = await base.GetResponseAsync(list, chatOptions, cancellationToken);
        Store(lookup, response);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        if (!Applies(chatOptions))
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
            foreach (var update in rules.Replayed(Copy(hit), "semantic_hit").ToChatResponseUpdates())
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
        whole.AdditionalProperties = updates.FirstOrDefault(u => u.AdditionalProperties is not null)?.AdditionalProperties;
        Store(lookup, whole);
    }

    private bool Applies(ChatOptions? chatOptions)
    {
        var settings = options.CurrentValue;
        return settings.Enabled && settings.SemanticEnabled && embedder is not null && CacheRules.MayReplay(chatOptions) && chatOptions?.Tools is not { Count: > 0 };
    }

    private async Task<Lookup> LookupAsync(IList<ChatMessage> messages, ChatOptions? chatOptions, CancellationToken cancellationToken)
    {
        var last = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var partition = Partition(messages.Take(Math.Max(0, messages.Count - 1)), chatOptions);
        float[]? embedding = null;
        if (last.Length > 0)
        {
            try
            {
                var generated = await embedder!.GenerateAsync([last], cancellationToken: cancellationToken);
                embedding = generated[0].Vector.ToArray();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Without an embedder the exact cache still answers repeats.
                LogSkipped(logger, ex.Message);
            }
        }

        if (embedding is not null && Find(partition, embedding) is { } hit)
        {
            return new Lookup(partition, embedding, hit);
        }

        rules.Miss();
        return new Lookup(partition, embedding, null);
    }

    private ChatResponse? Find(string partition, float[] embedding)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            LinkedListNode<Entry>? best = null;
            var bestScore = options.CurrentValue.SemanticThreshold;
            for (var node = _lru.First; node is not null; node = node.Next)
            {
                var entry = node.Value;
                if (entry.Partition != partition || entry.Expires <= now || entry.Embedding.Length != embedding.Length)
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

            if (best is null)
            {
                return null;
            }

            _lru.Remove(best);
            _lru.AddFirst(best);
            return best.Value.Answer;
        }
    }

    private void Store(Lookup lookup, ChatResponse response)
    {
        if (lookup.Embedding is null || response.FinishReason == ChatFinishReason.ContentFilter ||
            response.Messages.SelectMany(m => m.Contents).Any(c => c is FunctionCallContent))
        {
            return;
        }

        var settings = options.CurrentValue;
        lock (_gate)
        {
            _lru.AddFirst(new Entry(lookup.Partition, lookup.Embedding, Copy(response), time.GetUtcNow() + settings.TimeToLive));
            while (_lru.Count > settings.MaxEntries)
            {
                _lru.RemoveLast();
            }
        }
    }

    /// <summary>Each replay gets its own response object: callers annotate what they get.</summary>
    private static ChatResponse Copy(ChatResponse response) => new(response.Messages.Select(m => m.Clone()).ToList())
    {
        FinishReason = response.FinishReason,
        ModelId = response.ModelId,
        Usage = response.Usage,
        AdditionalProperties = response.AdditionalProperties is null ? null : new AdditionalPropertiesDictionary(response.AdditionalProperties),
    };

    private static string Partition(IEnumerable<ChatMessage> earlier, ChatOptions? chatOptions)
    {
        var hints = RouteHints.From(chatOptions);
        var description = JsonSerializer.Serialize(new
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
            format = chatOptions?.ResponseFormat switch
            {
                null => null,
                ChatResponseFormatJson json => "json:" + json.Schema?.GetRawText(),
                _ => "text",
            },
            // A private or pinned request must never be answered from a cache entry another route produced.
            hints.Private,
            forced = hints.ForcedRoute?.ToWireName(),
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(description)));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Semantic cache lookup skipped: {Error}")]
    private static partial void LogSkipped(ILogger logger, string error);
}
