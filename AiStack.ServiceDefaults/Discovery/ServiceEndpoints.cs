using Microsoft.Extensions.Configuration;

namespace AiStack.ServiceDefaults.Discovery;

/// <summary>
/// Sibling services' addresses in .NET Aspire's conventions: the AppHost (ours, or a real Aspire one) sets
/// <c>services__knowledgebase__http__0=http://localhost:8091</c>, which configuration reads as <c>services:knowledgebase:http:0</c>.
/// </summary>
public static class ServiceEndpoints
{
    public static string ConfigurationKey(string serviceName, string scheme = "http", int index = 0) =>
        $"services:{serviceName}:{scheme}:{index}";

    public static string EnvironmentVariable(string serviceName, string scheme = "http", int index = 0) =>
        $"services__{serviceName}__{scheme}__{index}";

    /// <summary>The service's first http endpoint, else its first https one; null when neither is configured.</summary>
    public static Uri? TryResolve(IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        foreach (var scheme in (string[])["http", "https"])
        {
            var value = configuration[ConfigurationKey(serviceName, scheme)];
            if (!string.IsNullOrWhiteSpace(value))
            {
                return Parse(serviceName, scheme, value.Trim());
            }
        }

        return null;
    }

    /// <summary>Like <see cref="TryResolve"/>, but a missing address is an error that says which variable to set.</summary>
    public static Uri Resolve(IConfiguration configuration, string serviceName) =>
        TryResolve(configuration, serviceName) ?? throw new InvalidOperationException(MissingMessage(serviceName));

    public static string MissingMessage(string serviceName) =>
        $"No address is configured for the service '{serviceName}'. Set the environment variable " +
        $"{EnvironmentVariable(serviceName)} (configuration key {ConfigurationKey(serviceName)}) to its base URL, " +
        $"for example http://localhost:8091; the AppHost sets it when it starts the stack.";

    private static Uri Parse(string serviceName, string scheme, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable(serviceName, scheme)} is '{value}', which is not an absolute http(s) URL such as http://localhost:8091.");
        }

        // A base address without a trailing slash would drop its last path segment from every relative request.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}
