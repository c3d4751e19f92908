using AiStack.ServiceDefaults.Discovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ServiceClientExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a typed HttpClient for the sibling service <paramref name="serviceName"/>:
    /// base address from <c>services__{name}__http__0</c> (checked at start-up, with a message naming the variable when it is
    /// missing), this service's own key in <c>X-API-Key</c> and the standard resilience handler (both from the HttpClient defaults).
    /// </summary>
    public static IHttpClientBuilder AddServiceClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);

        services.AddOptions<ServiceEndpointOptions>(serviceName)
            .Configure<IConfiguration>((endpoint, configuration) =>
                endpoint.BaseAddress = ServiceEndpoints.TryResolve(configuration, serviceName))
            .Validate(endpoint => endpoint.BaseAddress is not null, ServiceEndpoints.MissingMessage(serviceName))
            .ValidateOnStart();

        return services
            .AddHttpClient<TClient>((provider, client) =>
                client.BaseAddress = provider.GetRequiredService<IOptionsMonitor<ServiceEndpointOptions>>().Get(serviceName).BaseAddress
                                     ?? throw new InvalidOperationException(ServiceEndpoints.MissingMessage(serviceName)));
    }
}
