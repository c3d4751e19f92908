using System.Net.Http.Json;
using System.Text.Json;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Ralph.Backends;

/// <summary>The KnowledgeBase's <c>POST /context</c>, for the iteration input.</summary>
public sealed class KnowledgeClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<ContextResponse> ContextAsync(ContextRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri("context", UriKind.Relative), request, Json, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ContextResponse>(Json, cancellationToken))!;
    }
}

/// <summary>The Coordinator's <c>POST /query</c>, which answers the <c>llm</c> backend.</summary>
public sealed class CoordinatorClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<QueryResponse> QueryAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri("query", UriKind.Relative), request, Json, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"Coordinator answered {(int)response.StatusCode}: {(body.Length > 500 ? body[..500] : body)}", null, response.StatusCode);
        }

        return (await response.Content.ReadFromJsonAsync<QueryResponse>(Json, cancellationToken))!;
    }
}
