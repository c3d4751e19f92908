using AiStack.ServiceDefaults.Security;

namespace AiStack.ServiceDefaults.Discovery;

/// <summary>Sends the stack's API key to sibling services (added only to their typed clients, never to outside APIs).</summary>
internal sealed class ApiKeyHandler(StackApiKey apiKey) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Headers.Contains(ApiKeyStore.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(ApiKeyStore.HeaderName, apiKey.Value);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
