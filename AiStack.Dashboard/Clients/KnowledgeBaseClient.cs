using AiStack.Contracts.KnowledgeBase;
using AiStack.ServiceDefaults.Health;

namespace AiStack.Dashboard.Clients;

/// <summary>The KnowledgeBase's collections, its hybrid search (<c>/context</c>) and its probes.</summary>
public sealed class KnowledgeBaseClient(HttpClient http) : ServiceClient(http, ServiceNames.KnowledgeBase)
{
    public static readonly IReadOnlyList<string> Probes = ["live", "ready", "startup"];

    public Task<CollectionListResponse> CollectionsAsync(CancellationToken cancellationToken) =>
        GetAsync<CollectionListResponse>("collections", cancellationToken);

    public Task<ContextResponse> SearchAsync(string query, int limit, CancellationToken cancellationToken) =>
        SendAsync<ContextResponse>(HttpMethod.Post, "context", new ContextRequest { Query = query, Limit = limit }, cancellationToken);

    /// <summary><c>GET /health/{probe}</c>: a failing probe answers 503 with the same body.</summary>
    public async Task<ProbeResponse> ProbeAsync(string probe, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri($"health/{probe}", UriKind.Relative), cancellationToken);
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<ProbeResponse>(response.Content, ServiceJson.Options, cancellationToken)
               ?? throw new ServiceCallException(Service, $"GET /health/{probe} answered an empty body.");
    }
}
