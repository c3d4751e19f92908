using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Learning.Clients;

/// <summary>Typed client for the KnowledgeBase (base address from <c>services__knowledgebase__http__0</c>): embeddings and documents.</summary>
public sealed class KnowledgeBaseClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("vector/embed", new { texts }, Json, cancellationToken);
        await EnsureSuccessAsync(response, "vector/embed", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<EmbedAnswer>(Json, cancellationToken);
        return body?.Embeddings ?? [];
    }

    /// <summary><c>POST /documents</c>; the same (project, source) replaces the earlier document.</summary>
    public async Task AddDocumentAsync(string project, string collection, string title, string source, string content, JsonObject metadata, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("documents", new { project, collection, title, source, content, metadata }, Json, cancellationToken);
        await EnsureSuccessAsync(response, "documents", cancellationToken);
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

    private sealed record EmbedAnswer(IReadOnlyList<float[]>? Embeddings);
}
