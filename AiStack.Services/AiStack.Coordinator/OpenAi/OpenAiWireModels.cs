using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiStack.Coordinator.OpenAi;

// OpenAI's chat completions and embeddings wire format (snake_case). Every request field OpenAI defines that is not a property
// here lands in Unsupported and is refused by name: nothing a client sends is dropped silently.

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
    public IReadOnlyList<WireTool>? Tools { get; init; }
    /// <summary>"none", "auto", "required", or {type: "function", function: {name}}.</summary>
    public JsonElement? ToolChoice { get; init; }
    public bool? ParallelToolCalls { get; init; }
    /// <summary>{type: "text" | "json_object" | "json_schema", json_schema: {name, description, schema, strict}}.</summary>
    public JsonElement? ResponseFormat { get; init; }
    /// <summary>AiStack extension: pin this request to the local model.</summary>
    public bool? Private { get; init; }
    /// <summary>AiStack extension: prefer the local model.</summary>
    public bool? PreferLocal { get; init; }
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unsupported { get; init; }
}

public sealed record StreamOptions(bool IncludeUsage);

public sealed record WireMessage
{
    public string? Role { get; init; }
    /// <summary>A string, or an array of content parts ({type: "text", text}).</summary>
    public JsonElement? Content { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<WireToolCall>? ToolCalls { get; init; }
    public string? ToolCallId { get; init; }
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unsupported { get; init; }
}

public sealed record WireTool(string? Type, WireFunction? Function);

public sealed record WireFunction(string? Name, string? Description, JsonElement? Parameters, bool? Strict);

public sealed record WireToolCall(string? Id, string? Type, WireFunctionCall? Function, int? Index = null);

public sealed record WireFunctionCall(string? Name, string? Arguments);

public sealed record ChatCompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    WireUsage? Usage,
    [property: JsonPropertyName("system_fingerprint")] string? SystemFingerprint);

public sealed record ChatChoice(int Index, AssistantMessage Message, string? FinishReason);

public sealed record AssistantMessage(
    string Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    IReadOnlyList<WireToolCall>? ToolCalls);

public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, WireUsage? Usage);

public sealed record ChunkChoice(int Index, ChunkDelta Delta, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

public sealed record ChunkDelta(string? Role, string? Content, IReadOnlyList<WireToolCall>? ToolCalls = null);

public sealed record WireUsage(long PromptTokens, long CompletionTokens, long TotalTokens);

public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, string Description);

public sealed record EmbeddingsRequest
{
    public string? Model { get; init; }
    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Input { get; init; }
    /// <summary>"float" (the default) or "base64" (little-endian float32, what OpenAI's SDKs ask for).</summary>
    public string? EncodingFormat { get; init; }
    public int? Dimensions { get; init; }
    public string? User { get; init; }
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unsupported { get; init; }
}

public sealed record EmbeddingsResponse(string Object, IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingsUsage Usage);

/// <summary>One embedding: a float array, or a base64 string of little-endian float32 values.</summary>
public sealed record EmbeddingItem(string Object, int Index, object Embedding);

public sealed record EmbeddingsUsage(long PromptTokens, long TotalTokens);
