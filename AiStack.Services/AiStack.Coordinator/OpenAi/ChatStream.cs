using System.Text.Json;
using AiStack.Coordinator.Routing;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.OpenAi;

/// <summary>Writes a chat completion as OpenAI's server-sent events: text deltas, tool-call deltas, the finish reason, usage.</summary>
public static class ChatStream
{
    public sealed record Header(string Id, long Created, string Model);

    public static async Task<IResult> WriteAsync(IChatClient pipeline, List<ChatMessage> messages, ChatOptions options, HttpContext http, Header header, bool includeUsage,
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
            return OpenAiErrors.Result(ex.StatusCode, ex.Reason, ex.Message);
        }

        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        if (hasFirst)
        {
            OpenAiEndpoints.AddRouteHeaders(http, updates.Current.AdditionalProperties);
        }

        await WriteChunkAsync(response, header, new ChunkDelta("assistant", ""), null, null, cancellationToken);
        long input = 0, output = 0;
        string? finish = null;
        var toolCalls = 0;
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

                finish = update.FinishReason is { } reason ? OpenAiEndpoints.FinishReason(reason) : finish;
                if (!string.IsNullOrEmpty(update.Text))
                {
                    await WriteChunkAsync(response, header, new ChunkDelta(null, update.Text), null, null, cancellationToken);
                }

                var calls = OpenAiEndpoints.ToolCalls(update.Contents, indexed: true);
                if (calls.Count > 0)
                {
                    // Each call arrives whole from the backend, so one delta carries its id, name and all of its arguments.
                    await WriteChunkAsync(response, header, new ChunkDelta(null, null, calls.Select(c => c with { Index = toolCalls + c.Index }).ToList()), null, null, cancellationToken);
                    toolCalls += calls.Count;
                }

                more = await updates.MoveNextAsync();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Headers are gone: the only way left to report the failure is an error event in the stream.
            await WriteRawAsync(response, JsonSerializer.Serialize(new { error = new { message = "The model failed while streaming: " + ex.Message, type = "server_error" } }, OpenAiEndpoints.Json), cancellationToken);
            await WriteRawAsync(response, "[DONE]", cancellationToken);
            return Results.Empty;
        }

        await WriteChunkAsync(response, header, new ChunkDelta(null, null), toolCalls > 0 ? "tool_calls" : finish ?? "stop", null, cancellationToken);
        if (includeUsage)
        {
            await WriteRawAsync(response, JsonSerializer.Serialize(new ChatCompletionChunk(header.Id, "chat.completion.chunk", header.Created, header.Model, [],
                new WireUsage(input, output, input + output)), OpenAiEndpoints.Json), cancellationToken);
        }

        await WriteRawAsync(response, "[DONE]", cancellationToken);
        return Results.Empty;
    }

    private static Task WriteChunkAsync(HttpResponse response, Header header, ChunkDelta delta, string? finish, WireUsage? usage, CancellationToken cancellationToken) =>
        WriteRawAsync(response, JsonSerializer.Serialize(new ChatCompletionChunk(header.Id, "chat.completion.chunk", header.Created, header.Model,
            [new ChunkChoice(0, delta, finish)], usage), OpenAiEndpoints.Json), cancellationToken);

    private static async Task WriteRawAsync(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
