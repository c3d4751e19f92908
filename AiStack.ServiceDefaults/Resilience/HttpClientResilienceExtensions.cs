using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Per-client changes to the standard resilience handler that AddServiceDefaults puts on every HttpClient.</summary>
public static class HttpClientResilienceExtensions
{
    /// <summary>
    /// Gives this client its own standard resilience handler, starting from the stack's settings (the <c>Resilience</c> section):
    /// for example longer timeouts for a model API whose answers take minutes. Its breakers are separate from other clients'
    /// and named "client -> host:port" in <c>/health</c>.
    /// </summary>
    public static IHttpClientBuilder ConfigureResilience(this IHttpClientBuilder builder, Action<HttpStandardResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(configure)
            .SelectPipelineByAuthority();
        return builder;
    }

    /// <summary>
    /// Takes the standard resilience handler off this client, for callers that run their own pipeline around it (a model
    /// backend with its own breaker) or must never be retried behind their back (an agent's HTTP backend).
    /// </summary>
    public static IHttpClientBuilder WithoutResilience(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RemoveAllResilienceHandlers();
    }
}
