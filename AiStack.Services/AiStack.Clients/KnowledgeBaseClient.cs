using System.Globalization;
using System.Text;
using System.Text.Json;
using AiStack.Contracts;
using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Clients;

/// <summary>The KnowledgeBase (<c>services__knowledgebase__http__0</c>, port 8091): context, documents, vectors, collections.</summary>
public sealed class KnowledgeBaseClient(HttpClient http) : ServiceClient(http, ServiceName)
{
    public const string ServiceName = "knowledgebase";

    /// <summary>POST /context. A query longer than <see cref="WireLimits.MaxContextQueryChars"/> is refused with a 400 (callers trim first).</summary>
    public Task<ContextResponse> ContextAsync(ContextRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<ContextResponse>("context", request, cancellationToken);

    /// <summary>POST /context, only the results.</summary>
    public async Task<IReadOnlyList<ContextResult>> GetContextAsync(
        string query, IReadOnlyList<string>? collections, string? project, int? limit, double? minScore, CancellationToken cancellationToken = default)
    {
        var request = new ContextRequest { Query = query, Collections = collections, Project = project, Limit = limit, MinScore = minScore };
        return (await ContextAsync(request, cancellationToken)).Results;
    }

    public Task<AddDocumentResponse> AddDocumentAsync(AddDocumentRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<AddDocumentResponse>("documents", request, cancellationToken);

    public Task<DocumentListResponse> ListDocumentsAsync(DocumentListQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<DocumentListResponse>((query ?? new DocumentListQuery()).ToPath(), cancellationToken);

    public Task<DocumentView> GetDocumentAsync(long id, CancellationToken cancellationToken = default) =>
        GetAsync<DocumentView>(string.Create(CultureInfo.InvariantCulture, $"documents/{id}"), cancellationToken);

    public Task<DeleteDocumentResponse> DeleteDocumentAsync(long id, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeleteDocumentResponse>(string.Create(CultureInfo.InvariantCulture, $"documents/{id}"), cancellationToken);

    public Task<CollectionListResponse> GetCollectionsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<CollectionListResponse>("collections", cancellationToken);

    /// <summary>POST /vector/embed: one vector per text, in order.</summary>
    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        (await PostAsync<EmbedResponse>("vector/embed", new EmbedRequest { Texts = texts }, cancellationToken)).Embeddings;

    public Task<VectorIndexResponse> IndexAsync(VectorIndexRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<VectorIndexResponse>("vector/index", request, cancellationToken);

    /// <summary>Indexes one text into a collection under a stable id (re-indexing the id replaces it); returns the id.</summary>
    public async Task<string?> IndexAsync(string collection, string id, string text, IDictionary<string, object?> metadata, CancellationToken cancellationToken = default)
    {
        var request = new VectorIndexRequest
        {
            Collection = collection,
            Items = [new VectorIndexItem { Id = id, Text = text, Metadata = JsonSerializer.SerializeToElement(metadata, ContractJson.Options) }],
        };
        var answer = await IndexAsync(request, cancellationToken);
        return answer.Items.Count > 0 ? answer.Items[0].Id : id;
    }

    public Task<VectorSearchResponse> SearchAsync(VectorSearchRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<VectorSearchResponse>("vector/search", request, cancellationToken);
}

/// <summary>GET /documents: a page, optionally one project's, optionally matching a search text.</summary>
public sealed record DocumentListQuery(string? Project = null, string? Search = null, int Limit = 50, int Offset = 0, bool IncludeContent = false)
{
    public string ToPath()
    {
        var path = new StringBuilder("documents").Append(CultureInfo.InvariantCulture, $"?limit={Limit}&offset={Offset}");
        if (IncludeContent)
        {
            path.Append("&include_content=true");
        }

        if (Project is not null)
        {
            path.Append("&project=").Append(Uri.EscapeDataString(Project));
        }

        if (Search is not null)
        {
            path.Append("&search=").Append(Uri.EscapeDataString(Search));
        }

        return path.ToString();
    }
}
