using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace AiStack.Tests.Ralph;

/// <summary>
/// A deterministic stand-in for a generative model doing agent work (none is available here): each call answers with the next step
/// of a script, given the prompt it was sent (the last step repeats). It records every prompt and answer length it was asked for.
/// </summary>
public sealed class ScriptedAgentModel(params Func<string, string>[] steps) : IChatClient
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
