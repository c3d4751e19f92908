using System.Buffers.Binary;
using System.Text.Json;
using AiStack.Coordinator.Backends;
using AiStack.Coordinator.Routing;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.OpenAi;

/// <summary>
/// OpenAI-compatible serving, so any agent or SDK can use the hybrid stack as its model: model <c>aistack-hybrid</c> routes,
/// <c>aistack-local</c> / <c>aistack-remote</c> force a backend. Tools, tool calls and response formats pass through to the
/// backend as <see cref="ChatOptions"/>. Errors are problem details that also carry OpenAI's <c>error</c> object.
/// </summary>
public static class OpenAiEndpoints
{
    public const string HybridModel = "aistack-hybrid";
    public const string LocalModel = "aistack-local";
    public const string RemoteModel = "aistack-remote";
    private const int MaxEmbeddingInputs = 256;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("OpenAI-compatible").AddEndpointFilter<Telemetry.RequestLatencyFilter>();
        // Generating and embedding are the expensive part of the stack; listing models is not and stays outside the limit.
        group.MapPost("/chat/completions", ChatCompletionsAsync).WithName("ChatCompletions").RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Expensive);
        group.MapPost("/embeddings", EmbeddingsAsync).WithName("Embeddings").RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Expensive);
        group.MapGet("/models", (ModelBackends backends, TimeProvider time) => Results.Json(new ModelList("list", Models(backends, time)), Json)).WithName("Models");
        group.MapGet("/models/{id}", (string id, ModelBackends backends, TimeProvider time) =>
            Models(backends, time).FirstOrDefault(m => m.Id == id) is { } card
                ? Results.Json(card, Json)
                : OpenAiErrors.Result(404, "model_not_found", $"The model '{id}' does not exist. GET /v1/models lists the models this stack serves.", "model"))
            .WithName("Model");
        return routes;
    }

    /// <summary>The hybrid model always (it answers 503 with the reason when nothing is configured); each backend when configured.</summary>
    private static List<ModelCard> Models(ModelBackends backends, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var models = new List<ModelCard> { new(HybridModel, "model", created, "aistack", "Routes each request to the local or the remote model.") };
        if (backends.Local.IsConfigured)
        {
            models.Add(new ModelCard(LocalModel, "model", created, "aistack", $"The local llama.cpp model ({backends.Local.Name})."));
        }

        if (backends.Remote.IsConfigured)
        {
            models.Add(new ModelCard(RemoteModel, "model", created, "aistack", $"The remote OpenAI-compatible model ({backends.Remote.Name})."));
        }

        return models;
    }

    private static async Task<IResult> ChatCompletionsAsync(ChatCompletionRequest request, IChatClient pipeline, HttpContext http, TimeProvider time, CancellationToken cancellationToken)
    {
        var model = string.IsNullOrWhiteSpace(request.Model) ? HybridModel : request.Model;
        if (model is not (HybridModel or LocalModel or RemoteModel))
        {
            return OpenAiErrors.Result(404, "model_not_found", $"The model '{model}' does not exist. Use {HybridModel}, {LocalModel} or {RemoteModel} (GET /v1/models).", "model");
        }

        if (Read(request, model, out var messages, out var options) is { } refusal)
        {
            return OpenAiErrors.Result(refusal.Status, refusal.Code, refusal.Message, refusal.Param);
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (request.Stream)
        {
            return await ChatStream.WriteAsync(pipeline, messages, options, http, new ChatStream.Header(id, created, model), request.StreamOptions?.IncludeUsage ?? false, cancellationToken);
        }

        ChatResponse response;
        try
        {
            response = await pipeline.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (RouteUnavailableException ex)
        {
            return OpenAiErrors.Result(ex.StatusCode, ex.Reason, ex.Message);
        }

        AddRouteHeaders(http, response.AdditionalProperties);
        var calls = ToolCalls(response.Messages.SelectMany(m => m.Contents));
        var usage = response.Usage;
        var text = response.Text;
        return Results.Json(new ChatCompletionResponse(id, "chat.completion", created, model,
            [new ChatChoice(0, new AssistantMessage("assistant", calls.Count > 0 && text.Length == 0 ? null : text, calls.Count > 0 ? calls : null),
                calls.Count > 0 ? "tool_calls" : FinishReason(response.FinishReason))],
            new WireUsage(usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0, (usage?.InputTokenCount ?? 0) + (usage?.OutputTokenCount ?? 0)),
            response.IsCached() ? "aistack-cache" : "aistack"), Json);
    }

    private static RequestRefusal? Read(ChatCompletionRequest request, string model, out List<ChatMessage> messages, out ChatOptions options)
    {
        options = new ChatOptions();
        messages = [];
        if (ChatRequestReader.Unsupported(request.Unsupported) is { } unsupported)
        {
            return unsupported;
        }

        if (request.N is > 1)
        {
            return new RequestRefusal(400, "unsupported_parameter", "n > 1 is not supported; send one request per completion.", "n");
        }

        if (ChatRequestReader.ReadMessages(request.Messages, out messages) is { } badMessages)
        {
            return badMessages;
        }

        if (ChatRequestReader.ReadStop(request.Stop, out var stops) is { } badStop)
        {
            return badStop;
        }

        ModelRoute? forced = model switch
        {
            LocalModel => ModelRoute.Local,
            RemoteModel => ModelRoute.Remote,
            _ => null,
        };
        options = new RouteHints(request.Private ?? false, request.PreferLocal ?? false, forced).ApplyTo(new ChatOptions
        {
            ModelId = model,
            Temperature = request.Temperature,
            TopP = request.TopP,
            MaxOutputTokens = request.MaxCompletionTokens ?? request.MaxTokens,
            Seed = request.Seed,
            FrequencyPenalty = request.FrequencyPenalty,
            PresencePenalty = request.PresencePenalty,
            StopSequences = stops,
            AllowMultipleToolCalls = request.ParallelToolCalls,
        });
        return ChatRequestReader.ReadTools(request.Tools, request.ToolChoice, options) ?? ChatRequestReader.ReadResponseFormat(request.ResponseFormat, options);
    }

    internal static List<WireToolCall> ToolCalls(IEnumerable<AIContent> contents, bool indexed = false) =>
        contents.OfType<FunctionCallContent>()
            .Select((call, i) => new WireToolCall(call.CallId, "function", new WireFunctionCall(call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>())),
                indexed ? i : null))
            .ToList();

    private static async Task<IResult> EmbeddingsAsync(EmbeddingsRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (ChatRequestReader.Unsupported(request.Unsupported) is { } unsupported)
        {
            return OpenAiErrors.Result(400, unsupported.Code, unsupported.Message, unsupported.Param);
        }

        if (request.EncodingFormat is not (null or "float" or "base64"))
        {
            return OpenAiErrors.Result(400, "invalid_request_error", "encoding_format must be 'float' or 'base64'.", "encoding_format");
        }

        var embedder = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        if (embedder is null)
        {
            return OpenAiErrors.Result(503, "no_embedder", "No embedding model is available: set Inference__EmbeddingModelPath, or make the KnowledgeBase reachable (services__knowledgebase__http__0).");
        }

        var inputs = new List<string>();
        switch (request.Input?.ValueKind)
        {
            case JsonValueKind.String:
                inputs.Add(request.Input.Value.GetString()!);
                break;
            case JsonValueKind.Array:
                foreach (var item in request.Input.Value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return OpenAiErrors.Result(400, "unsupported_parameter", "input must be a string or an array of strings (token arrays are not supported).", "input");
                    }

                    inputs.Add(item.GetString()!);
                }

                break;
            default:
                return OpenAiErrors.Result(400, "invalid_request_error", "input is required: a string or an array of strings.", "input");
        }

        if (inputs.Count is 0 or > MaxEmbeddingInputs || inputs.Sum(i => i.Length) > AiStack.Contracts.Coordinator.CoordinatorLimits.MaxChatChars)
        {
            return OpenAiErrors.Result(400, "invalid_request_error",
                $"input must hold 1 to {MaxEmbeddingInputs} strings and at most {AiStack.Contracts.Coordinator.CoordinatorLimits.MaxChatChars} characters in all.", "input");
        }

        // The embedders (and the KnowledgeBase behind them) embed only text they can store: refuse the rest here, naming the item.
        for (var i = 0; i < inputs.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(inputs[i]) || AiStack.Contracts.Validation.StorableText.Problem(inputs[i]) is not null)
            {
                return OpenAiErrors.Result(400, "invalid_request_error",
                    $"input[{i}] {AiStack.Contracts.Validation.StorableText.Problem(inputs[i]) ?? "is blank"}; every input must be non-blank text.", "input");
            }
        }

        GeneratedEmbeddings<Embedding<float>> embeddings;
        try
        {
            embeddings = await embedder.GenerateAsync(inputs, cancellationToken: cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return OpenAiErrors.Result(503, "embedder_unavailable", "The embedding backend did not answer: " + ex.Message);
        }

        var dimensions = embeddings.FirstOrDefault()?.Vector.Length ?? 0;
        if (request.Dimensions is { } wanted && wanted != dimensions)
        {
            return OpenAiErrors.Result(400, "unsupported_parameter", $"dimensions {wanted} is not available: this embedding model gives {dimensions}.", "dimensions");
        }

        var base64 = request.EncodingFormat == "base64";
        var tokens = inputs.Sum(i => (long)Math.Max(1, i.Length / 4));
        return Results.Json(new EmbeddingsResponse("list",
            embeddings.Select((e, i) => new EmbeddingItem("embedding", i, base64 ? ToBase64(e.Vector.Span) : e.Vector.ToArray())).ToList(),
            request.Model ?? embeddings.FirstOrDefault()?.ModelId ?? "aistack-embedding",
            new EmbeddingsUsage(embeddings.Usage?.InputTokenCount ?? tokens, embeddings.Usage?.InputTokenCount ?? tokens)), Json);
    }

    /// <summary>OpenAI's base64 encoding: the float32 values, little-endian, one after the other.</summary>
    private static string ToBase64(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    internal static void AddRouteHeaders(HttpContext http, AdditionalPropertiesDictionary? report)
    {
        if (report.Get(RouteHints.RouteKey) is { } route)
        {
            http.Response.Headers["X-AiStack-Route"] = route;
        }

        if (report.Get(RouteHints.ReasonKey) is { } reason)
        {
            http.Response.Headers["X-AiStack-Route-Reason"] = reason;
        }

        if (report?.TryGetValue(RouteHints.CachedKey, out bool cached) == true && cached)
        {
            http.Response.Headers["X-AiStack-Cache"] = "hit";
        }
    }

    internal static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? "length" :
        reason == ChatFinishReason.ContentFilter ? "content_filter" :
        reason == ChatFinishReason.ToolCalls ? "tool_calls" : "stop";
}
