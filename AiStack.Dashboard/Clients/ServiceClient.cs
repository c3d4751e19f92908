using System.Net.Http.Json;
using AiStack.ServiceDefaults.Health;

namespace AiStack.Dashboard.Clients;

/// <summary>What every service client of the control center shares: the service's name, its <c>/health</c>, JSON calls that fail with the service's own problem text.</summary>
public abstract class ServiceClient(HttpClient http, string service)
{
    public string Service { get; } = service;

    protected HttpClient Http { get; } = http;

    /// <summary><c>GET /health</c>; an unhealthy service answers 503 with the same body, which is still an answer.</summary>
    public async Task<HealthResponse> HealthAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri("health", UriKind.Relative), cancellationToken);
        return await response.Content.ReadFromJsonAsync<HealthResponse>(ServiceJson.Options, cancellationToken)
               ?? throw new ServiceCallException(Service, "GET /health answered an empty body.");
    }

    protected async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return await ReadAsync<T>(response, "GET", path, cancellationToken);
    }

    protected async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ServiceJson.Options);
        }

        using var response = await Http.SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, method.Method, path, cancellationToken);
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, string method, string path, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ServiceCallException.FromResponseAsync(Service, method, path, response, cancellationToken);
        }

        return await response.Content.ReadFromJsonAsync<T>(ServiceJson.Options, cancellationToken)
               ?? throw new ServiceCallException(Service, $"{method} {path} answered an empty body.");
    }
}
