using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Cli.Stack;

/// <summary>An answer that was not a success, with the problem details' text.</summary>
public sealed class StackException(string message) : Exception(message);

/// <summary>HTTP calls to the stack's services with the API key; JSON in and out as snake_case nodes.</summary>
public sealed class StackClient(StackConnection connection, HttpClient? http = null) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly HttpClient _http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };

    public StackConnection Connection => connection;

    public Task<JsonNode> GetAsync(string service, string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, service, path, null, cancellationToken);

    public Task<JsonNode> PostAsync(string service, string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, service, path, body, cancellationToken);

    public Task<JsonNode> PutAsync(string service, string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, service, path, body, cancellationToken);

    /// <summary>GET /health of a service: its status code and body (null when it cannot be reached).</summary>
    public async Task<(int Status, JsonNode? Body, string? Problem)> HealthAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(connection[service], "health"), cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return ((int)response.StatusCode, TryParse(text), null);
        }
        catch (HttpRequestException e)
        {
            return (0, null, e.Message);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, null, e.Message);
        }
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string service, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(connection[service], path.TrimStart('/')));
        if (connection.ApiKey is not null)
        {
            request.Headers.Add("X-API-Key", connection.ApiKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new StackException($"{service} at {connection[service]} cannot be reached: {e.Message}");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var problem = TryParse(text);
                throw new StackException($"{service} answered {(int)response.StatusCode}: {Describe(problem, text)}");
            }

            return TryParse(text) ?? new JsonObject();
        }
    }

    /// <summary>The problem's detail, and each invalid field with its rule when the problem lists them.</summary>
    private static string Describe(JsonNode? problem, string text)
    {
        var detail = problem?["detail"]?.ToString() ?? problem?["title"]?.ToString() ?? text;
        if (problem?["errors"] is JsonObject errors && errors.Count > 0)
        {
            var fields = errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value is JsonArray messages ? messages.Select(m => m?.ToString()) : [e.Value?.ToString()])}");
            var listed = string.Join("; ", fields);
            return detail.Contains(listed, StringComparison.Ordinal) ? detail : $"{detail} ({listed})";
        }

        return detail;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
