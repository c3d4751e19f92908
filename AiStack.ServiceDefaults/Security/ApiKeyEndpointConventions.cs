using Microsoft.AspNetCore.Builder;

namespace AiStack.ServiceDefaults.Security;

/// <summary>Endpoint metadata: this endpoint answers without the stack's API key (health probes, metrics scrapes).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Delegate)]
public sealed class AllowWithoutApiKeyAttribute : Attribute;

public static class ApiKeyEndpointConventions
{
    /// <summary>Exempts the endpoint(s) from the API-key check. Use sparingly: every exemption is open to the network.</summary>
    public static TBuilder AllowWithoutApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowWithoutApiKeyAttribute());
}
