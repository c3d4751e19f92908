using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiStack.Coordinator.OpenAi;

// OpenAI's chat completions wire format (snake_case), only the fields AiStack reads or writes.

public sealed record ChatCompletionRequest
{
    public string? Model { get; init; }
    public IReadOnlyList<WireMessage>? Messages { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public int? MaxTokens { get; init; }
    public int? MaxCompletionTokens { get; init; }
    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Stop { get; init; }
    public bool Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }
    public long? Seed { get; init; }
    public float? FrequencyPenalty { get; init; }
    public float? PresencePenalty { get; init; }
    public int? N { get; init; }
    public string? User { get; init; }
    /// <summary>AiStack extension: pin this request to the local model.</summary>
    public bool? Private { get; init; }
    /// <summary>AiStack extension: prefer the local model.</summary>
    public bool? PreferLocal { get; init; }
}

public sealed record StreamOptions(bool IncludeUsage);

public sealed record WireMessage
{
    public string? Role { get; init; }
    /// <summary>A string, or an array of content parts ({type: "text", text}).</summary>
    public JsonElement? Content { get; init; }
    public string? Name { get; init; }
}

public sealed record ChatCompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    WireUsage? Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint);

public sealed record ChatChoice(int Index, AssistantMessage Message, string? FinishReason);

public sealed record AssistantMessage(string Role, string Content);

public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, WireUsage? Usage);

public sealed record ChunkChoice(int Index, ChunkDelta Delta, string? FinishReason);

public sealed record ChunkDelta(string? Role, string? Content);

public sealed record WireUsage(long PromptTokens, long CompletionTokens, long TotalTokens);

public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, string Description);

public sealed record EmbeddingsRequest
{
    public string? Model { get; init; }
    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Input { get; init; }
    public string? EncodingFormat { get; init; }
}

public sealed record EmbeddingsResponse(string Object, IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingsUsage Usage);

public sealed record EmbeddingItem(string Object, int Index, float[] Embedding);

public sealed record EmbeddingsUsage(long PromptTokens, long TotalTokens);
