using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.Ralph;

/// <summary>
/// A deterministic stand-in for a generative model (none is available here): each call answers with the next step of a script,
/// given the prompt it was sent. It records every prompt and answer length it was asked for.
/// </summary>
public sealed class ScriptedChatClient(params Func<string, string>[] steps) : IChatClient
{
    private int _calls;

    public ConcurrentQueue<(string Prompt, int? MaxOutputTokens)> Calls { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = string.Join("\n", messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text));
        Calls.Enqueue((prompt, options?.MaxOutputTokens));
        var step = steps[Math.Min(Interlocked.Increment(ref _calls) - 1, steps.Length - 1)];
        var answer = step(prompt);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            ModelId = "scripted",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = prompt.Length / 4, OutputTokenCount = answer.Length / 4, TotalTokenCount = (prompt.Length + answer.Length) / 4 },
        });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) => Stream(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private async IAsyncEnumerable<ChatResponseUpdate> Stream(IEnumerable<ChatMessage> messages, ChatOptions? options,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }
}

/// <summary>
/// Serves a <see cref="ScriptedChatClient"/> over the OpenAI chat-completions API on a loopback port, so a real Coordinator reaches it
/// as its remote (OpenAI-compatible) model through its ordinary HTTP path.
/// </summary>
public sealed class ScriptedModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedModelServer(WebApplication app, ScriptedChatClient chat, Uri endpoint)
    {
        _app = app;
        Chat = chat;
        Endpoint = endpoint;
    }

    public ScriptedChatClient Chat { get; }

    /// <summary>The OpenAI base URL (<c>http://127.0.0.1:port/v1</c>).</summary>
    public Uri Endpoint { get; }

    public static async Task<ScriptedModelServer> StartAsync(ScriptedChatClient chat)
    {
        var port = LocalServerProcess.FreeTcpPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var request = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            if (request["stream"]?.GetValue<bool>() == true)
            {
                return Results.BadRequest(new { error = new { message = "the scripted model answers without streaming" } });
            }

            var messages = request["messages"]!.AsArray().Select(m => new ChatMessage(new ChatRole(m!["role"]!.GetValue<string>()), Text(m["content"]))).ToList();
            var maxTokens = (request["max_completion_tokens"] ?? request["max_tokens"])?.GetValue<int>();
            var response = await chat.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = maxTokens });
            return Results.Json(new JsonObject
            {
                ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = request["model"]?.GetValue<string>() ?? "scripted",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = response.Text },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = response.Usage!.InputTokenCount,
                    ["completion_tokens"] = response.Usage.OutputTokenCount,
                    ["total_tokens"] = response.Usage.TotalTokenCount,
                },
            });
        });
        await app.StartAsync();
        return new ScriptedModelServer(app, chat, new Uri($"http://127.0.0.1:{port}/v1"));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static string Text(JsonNode? content) => content switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };
}
