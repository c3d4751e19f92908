using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;

namespace AiStack.Coordinator.Backends;

/// <summary>
/// Per-backend resilience: a timeout and a circuit breaker (Polly.Core) around a chat client. An open breaker fails fast with
/// <see cref="BrokenCircuitException"/>, which the router treats as "use the other backend".
/// For streaming, the breaker and the timeout cover the call up to the first update: once text flows, the stream is the caller's.
/// </summary>
public sealed class CircuitBreakerChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;

    public CircuitBreakerChatClient(IChatClient inner, string name, BackendResilienceOptions options, TimeProvider timeProvider)
        : base(inner)
    {
        StateProvider = new CircuitBreakerStateProvider();
        _pipeline = new ResiliencePipelineBuilder { Name = name, TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 1.0,
                MinimumThroughput = options.FailuresToOpen,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = StateProvider,
                // A caller who cancels is not a failing backend.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            })
            .AddTimeout(options.Timeout)
            .Build();
    }

    public CircuitBreakerStateProvider StateProvider { get; }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.GetResponseAsync(state.Messages, state.Options, token),
            (Inner: InnerClient, Messages: messages, Options: options),
            cancellationToken).AsTask();

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The stream runs on its own token so that the timeout, which only sees the first update, can cancel it.
        using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = InnerClient.GetStreamingResponseAsync(messages, options, streamCancellation.Token).GetAsyncEnumerator(streamCancellation.Token);
        try
        {
            var hasFirst = await _pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    using var _ = token.Register(static s => ((CancellationTokenSource)s!).Cancel(), state.Cancellation);
                    return await state.Enumerator.MoveNextAsync();
                },
                (Enumerator: enumerator, Cancellation: streamCancellation),
                cancellationToken);
            if (!hasFirst)
            {
                yield break;
            }

            yield return enumerator.Current;
            while (await enumerator.MoveNextAsync())
            {
                yield return enumerator.Current;
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }
}
