using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>
/// Outside the resilience handler: a call the pipeline refused (open breaker, timed out) surfaces as the
/// <see cref="HttpRequestException"/> every caller already handles for a failed call, with Polly's exception inside and a
/// message that names the destination.
/// </summary>
internal sealed class RefusedCallHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (ExecutionRejectedException refused)
        {
            var destination = request.RequestUri is { IsAbsoluteUri: true } uri ? $"{uri.Host}:{uri.Port}" : "the destination";
            throw new HttpRequestException(refused switch
            {
                BrokenCircuitException broken => $"The circuit breaker for {destination} is open after repeated failures; calls are refused until it lets a probe through" +
                                                 (broken.RetryAfter is { } wait ? $" (in about {Math.Ceiling(wait.TotalSeconds)} s)." : "."),
                TimeoutRejectedException timeout => $"The call to {destination} timed out after {timeout.Timeout.TotalSeconds} s.",
                _ => $"The call to {destination} was refused by its resilience pipeline ({refused.Message}).",
            }, refused);
        }
    }
}
