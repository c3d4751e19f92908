using AiStack.ServiceDefaults.Security;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Beside ASP.NET Core's own conventions (<c>RequireRateLimiting</c>, ...), so services need no extra using.</summary>
public static class ApiKeyEndpointConventions
{
    /// <summary>Exempts the endpoint(s) from the API-key check. Use sparingly: every exemption is open to the network.</summary>
    public static TBuilder AllowWithoutApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowWithoutApiKeyAttribute());
}
