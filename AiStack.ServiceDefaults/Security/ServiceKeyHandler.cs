using AiStack.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// On every HttpClient: a request to a sibling service (an address configured under <c>services:*</c>, Aspire's convention)
/// carries this service's own key in <c>X-API-Key</c>, so callers need no key handling and each service has its own identity
/// (and rate-limit budget) at the others. Requests anywhere else (a remote model API, an agent backend) never get a key, and a
/// key the caller set itself (the CLI forwarding the user's) is left alone. Without <paramref name="siblings"/> every destination
/// counts as a stack service: for the stack's own clients whose address is not configured (Learning's outbox to itself).
/// </summary>
internal sealed class ServiceKeyHandler(StackApiKey apiKey, ServiceIdentity identity, SiblingAddresses? siblings) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: true } uri && (siblings is null || siblings.Contains(uri)) && !request.Headers.Contains(ApiKeyStore.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(ApiKeyStore.HeaderName, apiKey.ServiceKey(identity.KeyName));
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>The authorities (scheme, host, port) of every sibling address in configuration section <c>services</c>.</summary>
internal sealed class SiblingAddresses(IConfiguration configuration)
{
    private readonly Lazy<HashSet<string>> _authorities = new(() => configuration.GetSection("services").AsEnumerable()
        .Select(entry => entry.Value)
        .Where(value => !string.IsNullOrWhiteSpace(value))
        .Select(value => Uri.TryCreate(value!.Trim(), UriKind.Absolute, out var uri) ? Authority(uri) : null)
        .OfType<string>()
        .ToHashSet(StringComparer.OrdinalIgnoreCase));

    public bool Contains(Uri uri) => _authorities.Value.Contains(Authority(uri));

    private static string Authority(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
