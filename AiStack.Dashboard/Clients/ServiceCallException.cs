using System.Net;
using System.Text.Json;

namespace AiStack.Dashboard.Clients;

/// <summary>A service answered, but not with success: carries the status and the problem's detail for the page to show.</summary>
public sealed class ServiceCallException : Exception
{
    public ServiceCallException(string service, string message, HttpStatusCode? status = null) : base(message)
    {
        Service = service;
        Status = status;
    }

    public ServiceCallException()
    {
        Service = "";
    }

    public ServiceCallException(string message) : base(message)
    {
        Service = "";
    }

    public ServiceCallException(string message, Exception innerException) : base(message, innerException)
    {
        Service = "";
    }

    public string Service { get; }

    public HttpStatusCode? Status { get; }

    public static async Task<ServiceCallException> FromResponseAsync(
        string service, string method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = ProblemText(body) ?? (body.Length > 300 ? body[..300] : body);
        return new ServiceCallException(service, $"{method} {path}: {(int)response.StatusCode} {detail}".TrimEnd(), response.StatusCode);
    }

    private static string? ProblemText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrWhiteSpace(s)));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
