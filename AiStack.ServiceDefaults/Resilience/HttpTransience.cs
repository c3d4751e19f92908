using System.Net;
using Polly;
using Polly.Timeout;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>Which outgoing calls may be tried again, and which failures are worth trying again.</summary>
public static class HttpTransience
{
    /// <summary>Methods whose repetition has no extra effect (RFC 9110 9.2.2); POST and PATCH are never retried.</summary>
    public static bool IsIdempotent(HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put ||
               method == HttpMethod.Delete || method == HttpMethod.Options || method == HttpMethod.Trace;
    }

    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>Connection failures, timed-out attempts and 5xx/408/429 answers.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        HttpRequestException or TimeoutRejectedException => true,
        null => outcome.Result is { } response && IsTransient(response.StatusCode),
        _ => false,
    };
}
