using System.Runtime.CompilerServices;
using System.Text;
using AiStack.Llama.Generation;
using AiStack.Llama.Hosting;
using AiStack.Llama.Models;
using Microsoft.Extensions.AI;

namespace AiStack.Llama.AI;

/// <summary>
/// <see cref="IChatClient"/> over the in-process llama.cpp model: the rest of AiStack talks to the local model only through
/// Microsoft.Extensions.AI. Throws <see cref="LlamaUnavailableException"/> when the local backend cannot run.
/// </summary>
public sealed class LlamaChatClient : IChatClient
{
    /// <summary>ChatOptions.AdditionalProperties keys understood besides the typed options.</summary>
    public const string MinPKey = "min_p";
    public const string RepeatPenaltyKey = "repeat_penalty";
    public const string RepeatLastNKey = "repeat_last_n";

    private readonly ILlamaGeneratorSource _source;
    private readonly int _defaultMaxOutputTokens;

    public LlamaChatClient(ILlamaGeneratorSource source, int defaultMaxOutputTokens = 512)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _defaultMaxOutputTokens = defaultMaxOutputTokens;
        Metadata = new ChatClientMetadata("llama.cpp", defaultModelId: source.ModelId);
    }

    public ChatClientMetadata Metadata { get; }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        LlamaGenerationUpdate? last = null;
        await foreach (var update in GenerateAsync(messages, options, cancellationToken))
        {
            text.Append(update.Text);
            last = update;
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = Metadata.DefaultModelId,
            FinishReason = ToFinishReason(last!.FinishReason),
            Usage = ToUsage(last),
            CreatedAt = DateTimeOffset.UtcNow,
            ResponseId = Guid.NewGuid().ToString("N"),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var responseId = Guid.NewGuid().ToString("N");
        var createdAt = DateTimeOffset.UtcNow;
        await foreach (var update in GenerateAsync(messages, options, cancellationToken))
        {
            if (update.FinishReason is null)
            {
                yield return NewUpdate(update.Text);
                continue;
            }

            var final = NewUpdate(update.Text);
            final.FinishReason = ToFinishReason(update.FinishReason);
            final.Contents.Add(new UsageContent(ToUsage(update)));
            yield return final;
        }

        ChatResponseUpdate NewUpdate(string text) => new(ChatRole.Assistant, text)
        {
            ResponseId = responseId,
            MessageId = responseId,
            ModelId = Metadata.DefaultModelId,
            CreatedAt = createdAt,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return Metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        // The generator belongs to its source (the host or the caller), not to this client.
    }

    /// <summary>Maps ChatOptions onto llama.cpp sampling. Unset options keep llama.cpp's usual defaults.</summary>
    public LlamaSamplingOptions ToSamplingOptions(ChatOptions? options)
    {
        var sampling = new LlamaSamplingOptions { MaxTokens = _defaultMaxOutputTokens };
        if (options is null)
        {
            return sampling;
        }

        var extra = options.AdditionalProperties;
        return sampling with
        {
            MaxTokens = options.MaxOutputTokens ?? sampling.MaxTokens,
            Temperature = options.Temperature ?? sampling.Temperature,
            TopP = options.TopP ?? sampling.TopP,
            TopK = options.TopK ?? sampling.TopK,
            Seed = options.Seed is { } seed ? unchecked((uint)seed) : null,
            StopSequences = options.StopSequences?.ToArray() ?? [],
            FrequencyPenalty = options.FrequencyPenalty ?? 0,
            PresencePenalty = options.PresencePenalty ?? 0,
            MinP = extra is not null && extra.TryGetValue(MinPKey, out float minP) ? minP : sampling.MinP,
            RepeatPenalty = extra is not null && extra.TryGetValue(RepeatPenaltyKey, out float repeat) ? repeat : sampling.RepeatPenalty,
            PenaltyLastN = extra is not null && extra.TryGetValue(RepeatLastNKey, out int lastN) ? lastN : sampling.PenaltyLastN,
        };
    }

    private async IAsyncEnumerable<LlamaGenerationUpdate> GenerateAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = messages.Select(m => new LlamaChatTurn(m.Role.Value, m.Text)).ToList();
        if (turns.Count == 0)
        {
            throw new ArgumentException("At least one message is needed.", nameof(messages));
        }

        var generator = await _source.GetGeneratorAsync(cancellationToken);
        var sampling = ToSamplingOptions(options);
        await foreach (var update in generator.GenerateChatAsync(turns, sampling, cancellationToken))
        {
            yield return update;
        }
    }

    private static ChatFinishReason? ToFinishReason(LlamaFinishReason? reason) => reason switch
    {
        LlamaFinishReason.Stop => ChatFinishReason.Stop,
        LlamaFinishReason.Length => ChatFinishReason.Length,
        _ => null,
    };

    private static UsageDetails ToUsage(LlamaGenerationUpdate update) => new()
    {
        InputTokenCount = update.PromptTokens,
        OutputTokenCount = update.CompletionTokens,
        TotalTokenCount = update.PromptTokens + update.CompletionTokens,
    };
}
