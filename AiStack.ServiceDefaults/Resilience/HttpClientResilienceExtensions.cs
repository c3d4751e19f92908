using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Per-client changes to the resilience that AddServiceDefaults gives every HttpClient.</summary>
public static class HttpClientResilienceExtensions
{
    /// <summary>
    /// Gives this client its own settings, starting from the <c>Resilience</c> section: for example a longer attempt timeout for
    /// a model API whose answers take a minute. Its breakers are separate from other clients' and named "client -> host:port".
    /// </summary>
    public static IHttpClientBuilder ConfigureResilience(this IHttpClientBuilder builder, Action<ResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var name = builder.Name ?? throw new InvalidOperationException("ConfigureResilience needs a named or typed client.");
        builder.Services.AddOptions<ResilienceOptions>(name)
            .BindConfiguration(ResilienceOptions.SectionName)
            .Configure(configure)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<ClientResiliencePipelines>();
        return builder.ConfigureAdditionalHttpMessageHandlers((handlers, services) =>
        {
            for (var index = 0; index < handlers.Count; index++)
            {
                if (handlers[index] is ResilienceHandler)
                {
                    handlers[index] = new ResilienceHandler(services.GetRequiredService<ClientResiliencePipelines>().For(name));
                }
            }
        });
    }

    /// <summary>Takes the default resilience off this client, for callers that run their own pipeline around it.</summary>
    public static IHttpClientBuilder WithoutResilience(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
        {
            for (var index = handlers.Count - 1; index >= 0; index--)
            {
                if (handlers[index] is ResilienceHandler)
                {
                    handlers.RemoveAt(index);
                }
            }
        });
    }
}
