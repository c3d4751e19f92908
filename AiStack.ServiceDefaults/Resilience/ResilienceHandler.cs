using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>
/// Runs every outgoing HttpClient request through its destination's pipeline (see <see cref="HttpResiliencePipelines"/>).
/// A retried request is sent as a fresh copy, its body buffered once, because a request message can be sent only once.
/// Refusals by the pipeline surface as <see cref="HttpRequestException"/> (inner: Polly's exception), like any failed call.
/// </summary>
public sealed class ResilienceHandler(HttpResiliencePipelines pipelines) : DelegatingHandler
{
    // Trace headers belong to one attempt: the diagnostics handler writes fresh ones for every copy.
    private static readonly string[] PerAttemptHeaders = ["traceparent", "tracestate", "Request-Id", "Correlation-Context", "baggage"];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is not { IsAbsoluteUri: true } uri)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var destination = HttpResiliencePipelines.DestinationOf(uri);
        var pipeline = pipelines.For(destination);
        var body = request.Content is not null && HttpTransience.IsIdempotent(request.Method)
            ? await request.Content.ReadAsByteArrayAsync(cancellationToken)
            : null;

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(HttpResiliencePipelines.RequestKey, request);
        var attempt = new Attempts(this, request, body);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (context, attempts) =>
                {
                    try
                    {
                        return Outcome.FromResult(await attempts.SendNextAsync(context.CancellationToken));
                    }
#pragma warning disable CA1031 // every failure becomes an outcome for the strategies to judge
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        return Outcome.FromException<HttpResponseMessage>(exception);
                    }
                },
                context,
                attempt);

            return outcome.Exception switch
            {
                null => outcome.Result!,
                BrokenCircuitException broken => throw new HttpRequestException(
                    $"The circuit breaker for {destination} is open after repeated failures; calls are refused until it lets a probe through" +
                    (broken.RetryAfter is { } wait ? $" (in about {Math.Ceiling(wait.TotalSeconds)} s)." : "."), broken),
                TimeoutRejectedException timeout => throw new HttpRequestException(
                    $"The call to {destination} timed out after {timeout.Timeout.TotalSeconds} s.", timeout),
                _ => Rethrow(outcome),
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static HttpResponseMessage Rethrow(Outcome<HttpResponseMessage> outcome)
    {
        outcome.ThrowIfException();
        return outcome.Result!;
    }

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    internal static HttpRequestMessage Copy(HttpRequestMessage original, byte[]? body)
    {
        var copy = new HttpRequestMessage(original.Method, original.RequestUri)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        foreach (var header in original.Headers)
        {
            if (!PerAttemptHeaders.Contains(header.Key, StringComparer.OrdinalIgnoreCase))
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        foreach (var option in original.Options)
        {
            copy.Options.Set(new HttpRequestOptionsKey<object?>(option.Key), option.Value);
        }

        if (body is not null && original.Content is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in original.Content.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return copy;
    }

    /// <summary>Sends the original request first and a copy for every retry; callers see their own request on the response.</summary>
    private sealed class Attempts(ResilienceHandler handler, HttpRequestMessage original, byte[]? body)
    {
        private int _count;

        public async Task<HttpResponseMessage> SendNextAsync(CancellationToken cancellationToken)
        {
            if (_count++ == 0)
            {
                return await handler.SendInnerAsync(original, cancellationToken);
            }

            var copy = Copy(original, body);
            var response = await handler.SendInnerAsync(copy, cancellationToken);
            response.RequestMessage = original;
            return response;
        }
    }
}
