using System.Runtime.CompilerServices;
using System.Text;
using AiStack.Llama.Generation;
using AiStack.Llama.Grammars;
using AiStack.Llama.Hosting;
using AiStack.Llama.Models;
using Microsoft.Extensions.AI;

namespace AiStack.Llama.AI;

/// <summary>
/// <see cref="IChatClient"/> over the in-process llama.cpp model: the rest of AiStack talks to the local model only through
/// Microsoft.Extensions.AI. The GGUF's own chat template, token usage, finish reason, stop sequences, streaming, tools
/// (<see cref="LlamaToolCalling"/>) and ChatOptions.ResponseFormat (JSON object or JSON schema, enforced with a GBNF
/// grammar). Throws <see cref="LlamaUnavailableException"/> when the local backend cannot run, and ArgumentException for a
/// request it cannot honour (a JSON schema keyword it cannot enforce, a required tool that is not offered).
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
        var (generator, request) = await PrepareAsync(messages, options, cancellationToken);
        var text = new StringBuilder();
        LlamaGenerationUpdate? last = null;
        await foreach (var update in generator.GenerateChatAsync(request.Turns, request.Sampling, cancellationToken))
        {
            text.Append(update.Text);
            last = update;
        }

        var call = request.Tools?.Parse(text.ToString());
        var message = call is not null ? new ChatMessage(ChatRole.Assistant, [call]) : new ChatMessage(ChatRole.Assistant, text.ToString());
        return new ChatResponse(message)
        {
            ModelId = Metadata.DefaultModelId,
            FinishReason = call is not null ? ChatFinishReason.ToolCalls : ToFinishReason(last!.FinishReason),
            Usage = ToUsage(last!),
            CreatedAt = DateTimeOffset.UtcNow,
            ResponseId = Guid.NewGuid().ToString("N"),
        };
    }

    /// <summary>
    /// Streams the answer. With tools, text that may still become a call is held back until it is clearly an answer (Auto),
    /// or until the end (a required call); a call comes in the last update as a <see cref="FunctionCallContent"/>.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var responseId = Guid.NewGuid().ToString("N");
        var createdAt = DateTimeOffset.UtcNow;
        var (generator, request) = await PrepareAsync(messages, options, cancellationToken);
        var tools = request.Tools;
        var held = new StringBuilder();
        var holding = tools is not null;
        await foreach (var update in generator.GenerateChatAsync(request.Turns, request.Sampling, cancellationToken))
        {
            var text = update.Text;
            if (holding)
            {
                held.Append(text);
                text = string.Empty;
                if (!tools!.MustCall && !tools.CouldBeCall(held.ToString()))
                {
                    holding = false;
                    text = held.ToString();
                }
            }

            if (update.FinishReason is null)
            {
                if (text.Length > 0)
                {
                    yield return NewUpdate(text);
                }

                continue;
            }

            var call = holding ? tools!.Parse(held.ToString()) : null;
            var final = call is not null ? NewUpdate(string.Empty) : NewUpdate(holding ? held.ToString() : text);
            if (call is not null)
            {
                final.Contents.Clear();
                final.Contents.Add(call);
            }

            final.FinishReason = call is not null ? ChatFinishReason.ToolCalls : ToFinishReason(update.FinishReason);
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

    private async Task<(LlamaTextGenerator Generator, LlamaChatRequest Request)> PrepareAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one message is needed.", nameof(messages));
        }

        var generator = await _source.GetGeneratorAsync(cancellationToken);
        var tools = LlamaToolCalling.For(options, generator.Model);
        var hermes = generator.Model.ChatTemplate?.Contains("<tool_call>", StringComparison.Ordinal) == true;
        var turns = list.Select(m => ToTurn(m, hermes)).ToList();
        if (tools is not null)
        {
            var index = turns.FindIndex(t => t.Role == ChatRole.System.Value);
            turns = index >= 0
                ? [.. turns.Take(index), turns[index] with { Content = turns[index].Content + "\n\n" + tools.Instructions() }, .. turns.Skip(index + 1)]
                : [new LlamaChatTurn(ChatRole.System.Value, tools.Instructions()), .. turns];
        }

        var sampling = ToSamplingOptions(options);
        var grammar = tools is { MustCall: true } ? tools.Grammar()
            : options?.ResponseFormat is ChatResponseFormatJson json ? json.Schema is { } schema ? JsonGrammar.FromSchema(schema) : JsonGrammar.AnyObject
            : null;
        return (generator, new LlamaChatRequest(turns, sampling with { Grammar = grammar }, tools));
    }

    /// <summary>A message as the chat template sees it: tool calls as the model writes them, tool results as a user turn.</summary>
    private static LlamaChatTurn ToTurn(ChatMessage message, bool hermes)
    {
        var text = new StringBuilder();
        foreach (var content in message.Contents)
        {
            var piece = content switch
            {
                TextContent t => t.Text,
                FunctionCallContent call => LlamaToolCalling.RenderCall(call, hermes),
                FunctionResultContent result => LlamaToolCalling.RenderResult(result),
                _ => null,
            };
            if (piece is not null)
            {
                text.Append(text.Length > 0 && content is not TextContent ? "\n" : string.Empty).Append(piece);
            }
        }

        // llama.cpp's built-in templates know system, user and assistant only; a tool's result is news to the model, as a user turn is.
        var role = message.Role == ChatRole.Tool ? ChatRole.User.Value : message.Role.Value;
        return new LlamaChatTurn(role, text.ToString());
    }

    private sealed record LlamaChatRequest(IReadOnlyList<LlamaChatTurn> Turns, LlamaSamplingOptions Sampling, LlamaToolCalling? Tools);

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
