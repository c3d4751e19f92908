using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Coordinator.Knowledge;

/// <summary>Typed client for the KnowledgeBase service (base address from <c>services__knowledgebase__http__0</c>).</summary>
public sealed class KnowledgeBaseClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public Uri? BaseAddress => http.BaseAddress;

    public async Task<IReadOnlyList<ContextResult>> GetContextAsync(
        string query, IReadOnlyList<string>? collections, string? project, int? limit, double? minScore, CancellationToken cancellationToken)
    {
        var request = new ContextRequest { Query = query, Collections = collections, Project = project, Limit = limit, MinScore = minScore };
        using var response = await http.PostAsJsonAsync("context", request, Json, cancellationToken);
        await EnsureSuccessAsync(response, "context", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<ContextResponse>(Json, cancellationToken);
        return body?.Results ?? [];
    }

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("vector/embed", new EmbedRequest { Texts = texts }, Json, cancellationToken);
        await EnsureSuccessAsync(response, "vector/embed", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<EmbedResponse>(Json, cancellationToken);
        return body?.Embeddings ?? [];
    }

    /// <summary>Indexes one text into a collection (used for feedback corrections), returning the id the KnowledgeBase gave it.</summary>
    public async Task<string?> IndexAsync(string collection, string id, string text, IDictionary<string, object?> metadata, CancellationToken cancellationToken)
    {
        var request = new VectorIndexRequest
        {
            Collection = collection,
            Items = [new VectorIndexItem { Id = id, Text = text, Metadata = JsonSerializer.SerializeToElement(metadata, Json) }],
        };
        using var response = await http.PostAsJsonAsync("vector/index", request, Json, cancellationToken);
        await EnsureSuccessAsync(response, "vector/index", cancellationToken);
        return id;
    }

    public async Task<JsonNode?> GetCollectionsAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri("collections", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, "collections", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string endpoint, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"KnowledgeBase /{endpoint} answered {(int)response.StatusCode}: {detail[..Math.Min(detail.Length, 300)]}", null, response.StatusCode);
        }
    }
}
