namespace AiStack.Clients;

/// <summary>
/// An <see cref="HttpClient"/> for one AiStack service outside dependency injection (the CLI, scripts): its base address with a trailing
/// slash and the stack's API key on every request. Services register the typed clients through their own service discovery instead.
/// </summary>
public static class StackHttp
{
    public const string ApiKeyHeader = "X-API-Key";

    public static HttpClient Create(Uri baseAddress, string? apiKey, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        http.Timeout = timeout ?? TimeSpan.FromMinutes(10);
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        }

        return http;
    }
}
