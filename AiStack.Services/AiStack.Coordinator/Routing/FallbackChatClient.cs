using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.Routing;

/// <summary>
/// Calls the chosen backend and, when it fails (an error, its timeout, its open breaker), the fallback the decision allows.
/// One per request, since the fallback depends on the decision. Streaming can fall back only before the first update reaches the
/// caller. <see cref="Answered"/> says which backend answered.
/// </summary>
public sealed class FallbackChatClient(IChatClient primary, ModelRoute primaryRoute, IChatClient? fallback, Action<ModelRoute, Exception> onFailure)
    : DelegatingChatClient(primary)
{
    public ModelRoute Answered => FellBack ? primaryRoute.Other() : primaryRoute;

    public bool FellBack { get; private set; }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception ex) when (Failed(ex, cancellationToken))
        {
            onFailure(primaryRoute, ex);
            if (fallback is null)
            {
                throw Unavailable(primaryRoute, ex);
            }

            FellBack = true;
            return await CallFallbackAsync(messages, options, cancellationToken);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var enumerator = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool hasFirst;
        try
        {
            hasFirst = await enumerator.MoveNextAsync();
        }
        catch (Exception ex) when (Failed(ex, cancellationToken))
        {
            await enumerator.DisposeAsync();
            onFailure(primaryRoute, ex);
            if (fallback is null)
            {
                throw Unavailable(primaryRoute, ex);
            }

            FellBack = true;
            enumerator = fallback.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                hasFirst = await enumerator.MoveNextAsync();
            }
            catch (Exception fallbackError) when (Failed(fallbackError, cancellationToken))
            {
                await enumerator.DisposeAsync();
                onFailure(Answered, fallbackError);
                throw Unavailable(Answered, fallbackError);
            }
        }

        try
        {
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

    private async Task<ChatResponse> CallFallbackAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            return await fallback!.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception ex) when (Failed(ex, cancellationToken))
        {
            onFailure(Answered, ex);
            throw Unavailable(Answered, ex);
        }
    }

    /// <summary>No backend is left to try: the caller gets a 502 that says which model failed and how.</summary>
    private static RouteUnavailableException Unavailable(ModelRoute route, Exception error) =>
        new(502, "backend_failed", $"The {route.ToWireName()} model failed and no other backend may answer: {error.Message}", error);

    private static bool Failed(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is not RouteUnavailableException;
}
