using System.Net.Http.Json;
using System.Text.Json;
using AiStack.Contracts;
using AiStack.Contracts.Health;

namespace AiStack.Clients;

/// <summary>
/// What every typed client of an AiStack service shares: JSON in the contracts' spelling, error answers turned into
/// <see cref="ServiceCallException"/> with the problem details, and <c>/health</c>. The <see cref="HttpClient"/> comes with its base
/// address and the API key (a typed HttpClient registration in a service, <see cref="StackHttp.Create"/> elsewhere).
/// </summary>
public abstract class ServiceClient(HttpClient http, string service)
{
    private const int MaxBodyInMessage = 500;

    protected HttpClient Http => http;

    /// <summary>The service's name in messages and configuration (<c>services__{name}__http__0</c>).</summary>
    public string Service => service;

    public Uri? BaseAddress => http.BaseAddress;

    /// <summary>GET /health: the service's own view of itself. It answers 503 with the same body when unhealthy, which is no error here.</summary>
    public async Task<ServiceHealth> HealthAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendCoreAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("health", UriKind.Relative)), cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
        {
            throw await FailureAsync(response, cancellationToken);
        }

        return await ReadAsync<ServiceHealth>(response, cancellationToken);
    }

    /// <summary>GET /health/{live|ready|startup}; a failing probe answers 503 with the same body.</summary>
    public async Task<ServiceProbe> ProbeAsync(string probe, CancellationToken cancellationToken = default)
    {
        using var response = await SendCoreAsync(new HttpRequestMessage(HttpMethod.Get, new Uri($"health/{Uri.EscapeDataString(probe)}", UriKind.Relative)), cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
        {
            throw await FailureAsync(response, cancellationToken);
        }

        return await ReadAsync<ServiceProbe>(response, cancellationToken);
    }

    protected Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    protected Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    protected Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Put, path, body, cancellationToken);

    protected Task<T> PatchAsync<T>(string path, object body, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Patch, path, body, cancellationToken);

    protected Task<T> DeleteAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Delete, path, null, cancellationToken);

    protected async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ContractJson.Options);
        }

        using var response = await SendCoreAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, cancellationToken);
        }

        return await ReadAsync<T>(response, cancellationToken);
    }

    /// <summary>Sends a request and returns the answer as it is (a stream for downloads); a transport failure is a <see cref="ServiceCallException"/>.</summary>
    protected async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using (request)
        {
            try
            {
                return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e) when (e is not ServiceCallException)
            {
                throw new ServiceCallException(service, $"{service} at {http.BaseAddress} cannot be reached: {e.Message}", e.StatusCode, inner: e);
            }
        }
    }

    protected async Task<ServiceCallException> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        ServiceProblem? problem = null;
        try
        {
            problem = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonSerializer.Deserialize<ServiceProblem>(text, ContractJson.Options) : null;
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page, a crash's text): the raw body goes into the message instead.
        }

        var reason = Describe(problem) ?? (text.Length > MaxBodyInMessage ? text[..MaxBodyInMessage] + "..." : text);
        var path = response.RequestMessage?.RequestUri?.AbsolutePath ?? "";
        return new ServiceCallException(service, $"{service} {path} answered {(int)response.StatusCode}: {reason}", response.StatusCode, problem);
    }

    /// <summary>The problem's detail, and each invalid field with its rule when the problem lists them and the detail does not.</summary>
    private static string? Describe(ServiceProblem? problem)
    {
        var detail = problem?.Detail ?? problem?.Title;
        if (problem?.Errors is not { Count: > 0 } errors)
        {
            return detail;
        }

        var listed = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
        return detail is null ? listed : detail.Contains(listed, StringComparison.Ordinal) ? detail : $"{detail} ({listed})";
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ContractJson.Options, cancellationToken)
                   ?? throw new ServiceCallException(service, $"{service} answered {(int)response.StatusCode} with an empty body.", response.StatusCode);
        }
        catch (JsonException e)
        {
            throw new ServiceCallException(service, $"{service} answered something that is not a {typeof(T).Name}: {e.Message}", response.StatusCode, inner: e);
        }
    }
}
