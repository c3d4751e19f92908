using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AiStack.Tests.Coordinator;

/// <summary>
/// A deterministic model for the tests that need sensible answers to tools and response formats (no generative model is
/// available here): it calls the first tool offered, answers a tool result by quoting it, answers in JSON under a JSON response
/// format, and otherwise says what it was asked. It keeps the options of the last request, so a test can see what arrived.
/// </summary>
public sealed class ScriptedChatClient(string name) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("scripted", null, "scripted-" + name);
    private int _calls;

    public ChatOptions? LastOptions { get; private set; }

    public IReadOnlyList<ChatMessage> LastMessages { get; private set; } = [];

    public int Calls => Volatile.Read(ref _calls);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        LastOptions = options;
        LastMessages = list;
        var n = Interlocked.Increment(ref _calls);
        var usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5, TotalTokenCount = 15 };
        var last = list[^1];
        if (last.Contents.OfType<FunctionResultContent>().FirstOrDefault() is { } result)
        {
            return Task.FromResult(Answer($"{name}: the tool said {result.Result}", ChatFinishReason.Stop, usage));
        }

        if (options?.Tools is { Count: > 0 } tools && options.ToolMode is not NoneChatToolMode)
        {
            var tool = options.ToolMode is RequiredChatToolMode { RequiredFunctionName: { } wanted } ? wanted : tools[0].Name;
            var call = new FunctionCallContent($"call_{name}_{n}", tool, new Dictionary<string, object?> { ["city"] = "Paris" });
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call])) { FinishReason = ChatFinishReason.ToolCalls, Usage = usage, ModelId = _metadata.DefaultModelId });
        }

        if (options?.ResponseFormat is ChatResponseFormatJson)
        {
            return Task.FromResult(Answer($$"""{"answer":"forty-two","by":"{{name}}"}""", ChatFinishReason.Stop, usage));
        }

        return Task.FromResult(Answer($"{name} answers: {last.Text}", ChatFinishReason.Stop, usage));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    private ChatResponse Answer(string text, ChatFinishReason finish, UsageDetails usage) =>
        new(new ChatMessage(ChatRole.Assistant, text)) { FinishReason = finish, Usage = usage, ModelId = _metadata.DefaultModelId };

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata :
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
