using System.Text.Json;
using AiStack.Coordinator.Routing;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.OpenAi;

/// <summary>
/// OpenAI-compatible serving, so any agent or SDK can use the hybrid stack as its model: model <c>aistack-hybrid</c> routes,
/// <c>aistack-local</c> / <c>aistack-remote</c> force a backend. Errors are problem details that also carry OpenAI's
/// <c>error</c> object, so both kinds of client read them.
/// </summary>
public static class OpenAiEndpoints
{
    public const string HybridModel = "aistack-hybrid";
    public const string LocalModel = "aistack-local";
    public const string RemoteModel = "aistack-remote";
    private const int MaxMessages = 256;
    private const int MaxTotalChars = 200_000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("OpenAI-compatible").AddEndpointFilter<Telemetry.RequestLatencyFilter>();
        // Generating is the expensive part of the stack: the same per-client limit as the KnowledgeBase's searches.
        group.RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Expensive);
        group.MapPost("/chat/completions", ChatCompletionsAsync).WithName("ChatCompletions");
        group.MapGet("/models", Models).WithName("Models");
        group.MapPost("/embeddings", EmbeddingsAsync).WithName("Embeddings");
        return routes;
    }

    private static IResult Models(TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return Results.Json(new ModelList("list",
        [
            new ModelCard(HybridModel, "model", created, "aistack", "Routes each request to the local or the remote model."),
            new ModelCard(LocalModel, "model", created, "aistack", "The local llama.cpp model."),
            new ModelCard(RemoteModel, "model", created, "aistack", "The remote OpenAI-compatible model."),
        ]), Json);
    }

    private static async Task<IResult> ChatCompletionsAsync(ChatCompletionRequest request, IChatClient pipeline, HttpContext http, TimeProvider time, CancellationToken cancellationToken)
    {
        var model = string.IsNullOrWhiteSpace(request.Model) ? HybridModel : request.Model;
        if (model is not (HybridModel or LocalModel or RemoteModel))
        {
            return Error(404, "model_not_found", $"The model '{model}' does not exist. Use {HybridModel}, {LocalModel} or {RemoteModel} (GET /v1/models).");
        }

        ModelRoute? forced = model switch
        {
            LocalModel => ModelRoute.Local,
            RemoteModel => ModelRoute.Remote,
            _ => null,
        };

        if (ToMessages(request, out var messages) is { } invalid)
        {
            return invalid;
        }

        if (request.N is > 1)
        {
            return Error(400, "invalid_request_error", "n > 1 is not supported; send one request per completion.");
        }

        if (ReadStop(request.Stop, out var stops) is { } badStop)
        {
            return badStop;
        }

        var options = new RouteHints(request.Private ?? false, request.PreferLocal ?? false, forced).ApplyTo(new ChatOptions
        {
            ModelId = model,
            Temperature = request.Temperature,
            TopP = request.TopP,
            MaxOutputTokens = request.MaxCompletionTokens ?? request.MaxTokens,
            Seed = request.Seed,
            FrequencyPenalty = request.FrequencyPenalty,
            PresencePenalty = request.PresencePenalty,
            StopSequences = stops,
        });
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = time.GetUtcNow().ToUnixTimeSeconds();

        if (request.Stream)
        {
            return await StreamAsync(pipeline, messages, options, http, id, created, model, request.StreamOptions?.IncludeUsage ?? false, cancellationToken);
        }

        ChatResponse response;
        try
        {
            response = await pipeline.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (RouteUnavailableException ex)
        {
            return Error(ex.StatusCode, ex.Reason, ex.Message);
        }

        AddRouteHeaders(http, response.AdditionalProperties);
        var usage = response.Usage;
        return Results.Json(new ChatCompletionResponse(id, "chat.completion", created, model,
            [new ChatChoice(0, new AssistantMessage("assistant", response.Text), FinishReason(response.FinishReason))],
            new WireUsage(usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0, (usage?.InputTokenCount ?? 0) + (usage?.OutputTokenCount ?? 0)),
            "aistack"), Json);
    }

    private static async Task<IResult> StreamAsync(
        IChatClient pipeline, List<ChatMessage> messages, ChatOptions options, HttpContext http, string id, long created, string model, bool includeUsage,
        CancellationToken cancellationToken)
    {
        await using var updates = pipeline.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool hasFirst;
        try
        {
            hasFirst = await updates.MoveNextAsync();
        }
        catch (RouteUnavailableException ex)
        {
            return Error(ex.StatusCode, ex.Reason, ex.Message);
        }

        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        if (hasFirst)
        {
            AddRouteHeaders(http, updates.Current.AdditionalProperties);
        }

        await WriteEventAsync(response, new ChatCompletionChunk(id, "chat.completion.chunk", created, model, [new ChunkChoice(0, new ChunkDelta("assistant", ""), null)], null), cancellationToken);
        long input = 0, output = 0;
        string? finish = null;
        try
        {
            var more = hasFirst;
            while (more)
            {
                var update = updates.Current;
                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    input = usage.Details.InputTokenCount ?? input;
                    output = usage.Details.OutputTokenCount ?? output;
                }

                finish = update.FinishReason is { } reason ? FinishReason(reason) : finish;
                if (!string.IsNullOrEmpty(update.Text))
                {
                    await WriteEventAsync(response, new ChatCompletionChunk(id, "chat.completion.chunk", created, model,
                        [new ChunkChoice(0, new ChunkDelta(null, update.Text), null)], null), cancellationToken);
                }

                more = await updates.MoveNextAsync();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Headers are gone: the only way left to report the failure is an error event in the stream.
            await WriteRawAsync(response, JsonSerializer.Serialize(new { error = new { message = "The model failed while streaming: " + ex.Message, type = "server_error" } }, Json), cancellationToken);
            await WriteRawAsync(response, "[DONE]", cancellationToken);
            return Results.Empty;
        }

        await WriteEventAsync(response, new ChatCompletionChunk(id, "chat.completion.chunk", created, model,
            [new ChunkChoice(0, new ChunkDelta(null, null), finish ?? "stop")], null), cancellationToken);
        if (includeUsage)
        {
            await WriteEventAsync(response, new ChatCompletionChunk(id, "chat.completion.chunk", created, model, [], new WireUsage(input, output, input + output)), cancellationToken);
        }

        await WriteRawAsync(response, "[DONE]", cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> EmbeddingsAsync(EmbeddingsRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var embedder = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        if (embedder is null)
        {
            return Error(503, "no_embedder", "No embedding model is available: set Inference__EmbeddingModelPath, or make the KnowledgeBase reachable (services__knowledgebase__http__0).");
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
                        return Error(400, "invalid_request_error", "input must be a string or an array of strings (token arrays are not supported).");
                    }

                    inputs.Add(item.GetString()!);
                }

                break;
            default:
                return Error(400, "invalid_request_error", "input is required: a string or an array of strings.");
        }

        if (inputs.Count is 0 or > 256 || inputs.Sum(i => i.Length) > MaxTotalChars)
        {
            return Error(400, "invalid_request_error", $"input must hold 1 to 256 strings and at most {MaxTotalChars} characters in all.");
        }

        GeneratedEmbeddings<Embedding<float>> embeddings;
        try
        {
            embeddings = await embedder.GenerateAsync(inputs, cancellationToken: cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return Error(503, "embedder_unavailable", "The embedding backend did not answer: " + ex.Message);
        }

        var tokens = inputs.Sum(i => (long)Math.Max(1, i.Length / 4));
        return Results.Json(new EmbeddingsResponse("list",
            embeddings.Select((e, i) => new EmbeddingItem("embedding", i, e.Vector.ToArray())).ToList(),
            request.Model ?? embeddings.FirstOrDefault()?.ModelId ?? "aistack-embedding",
            new EmbeddingsUsage(embeddings.Usage?.InputTokenCount ?? tokens, embeddings.Usage?.InputTokenCount ?? tokens)), Json);
    }

    private static IResult? ToMessages(ChatCompletionRequest request, out List<ChatMessage> messages)
    {
        messages = [];
        if (request.Messages is not { Count: > 0 })
        {
            return Error(400, "invalid_request_error", "messages is required and must hold at least one message.");
        }

        if (request.Messages.Count > MaxMessages)
        {
            return Error(400, "invalid_request_error", $"At most {MaxMessages} messages are accepted.");
        }

        var total = 0;
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            var role = message.Role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => (ChatRole?)null,
            };
            if (role is null)
            {
                return Error(400, "invalid_request_error", $"messages[{i}].role must be system, developer, user, assistant or tool.");
            }

            string text;
            switch (message.Content?.ValueKind)
            {
                case JsonValueKind.String:
                    text = message.Content.Value.GetString()!;
                    break;
                case JsonValueKind.Array:
                    text = string.Concat(message.Content.Value.EnumerateArray()
                        .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("type", out var t) && t.ValueEquals("text") && p.TryGetProperty("text", out _))
                        .Select(p => p.GetProperty("text").GetString()));
                    break;
                case null or JsonValueKind.Null when role == ChatRole.Assistant:
                    text = string.Empty;
                    break;
                default:
                    return Error(400, "invalid_request_error", $"messages[{i}].content must be a string or an array of text parts.");
            }

            total += text.Length;
            messages.Add(new ChatMessage(role.Value, text));
        }

        return total > MaxTotalChars
            ? Error(400, "invalid_request_error", $"The messages hold {total} characters; the limit is {MaxTotalChars}.")
            : null;
    }

    private static IResult? ReadStop(JsonElement? stop, out List<string>? stops)
    {
        stops = null;
        switch (stop?.ValueKind)
        {
            case null or JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                stops = [stop.Value.GetString()!];
                return null;
            case JsonValueKind.Array when stop.Value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) && stop.Value.GetArrayLength() <= 4:
                stops = stop.Value.EnumerateArray().Select(s => s.GetString()!).ToList();
                return null;
            default:
                return Error(400, "invalid_request_error", "stop must be a string or an array of at most 4 strings.");
        }
    }

    private static void AddRouteHeaders(HttpContext http, AdditionalPropertiesDictionary? report)
    {
        if (report.Get(RouteHints.RouteKey) is { } route)
        {
            http.Response.Headers["X-AiStack-Route"] = route;
        }

        if (report.Get(RouteHints.ReasonKey) is { } reason)
        {
            http.Response.Headers["X-AiStack-Route-Reason"] = reason;
        }
    }

    private static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? "length" :
        reason == ChatFinishReason.ContentFilter ? "content_filter" :
        reason == ChatFinishReason.ToolCalls ? "tool_calls" : "stop";

    private static Task WriteEventAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken) =>
        WriteRawAsync(response, JsonSerializer.Serialize(chunk, Json), cancellationToken);

    private static async Task WriteRawAsync(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>Problem details that also carry OpenAI's error object.</summary>
    public static IResult Error(int status, string code, string message) =>
        Results.Problem(message, statusCode: status, title: status switch
        {
            400 => "Invalid request",
            404 => "Not found",
            429 => "Budget exhausted",
            _ => "Model unavailable",
        }, extensions: new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?> { ["message"] = message, ["type"] = status >= 500 ? "server_error" : "invalid_request_error", ["code"] = code },
        });
}
