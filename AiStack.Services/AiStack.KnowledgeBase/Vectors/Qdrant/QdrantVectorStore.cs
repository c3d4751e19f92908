using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Vectors.Qdrant;

/// <summary>
/// The full profile's vector store: Qdrant over its documented REST API (the gRPC client does not restore here).
/// Points are the chunks: id = the chunk's integer id (Qdrant accepts unsigned integers or UUIDs), payload = chunk_id,
/// document_id, project. One Qdrant collection per knowledge collection, with cosine distance.
/// </summary>
public sealed class QdrantVectorStore(HttpClient http, IOptions<QdrantOptions> options) : IVectorStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Name => "qdrant";

    public async Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default)
    {
        var path = CollectionPath(collection);
        using (var existing = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken))
        {
            if (existing.IsSuccessStatusCode)
            {
                return;
            }

            if (existing.StatusCode != HttpStatusCode.NotFound)
            {
                await ThrowAsync(existing, $"read collection {collection}", cancellationToken);
            }
        }

        var body = new { vectors = new { size = dimensions, distance = "Cosine" } };
        using var created = await http.PutAsJsonAsync(new Uri(path, UriKind.Relative), body, Json, cancellationToken);
        // 409: another replica created it in between.
        if (!created.IsSuccessStatusCode && created.StatusCode != HttpStatusCode.Conflict)
        {
            await ThrowAsync(created, $"create collection {collection}", cancellationToken);
        }

        // Payload indexes make the project and document filters fast on large collections.
        foreach (var (field, schema) in new[] { ("project", "keyword"), ("document_id", "integer") })
        {
            using var index = await http.PutAsJsonAsync(new Uri(path + "/index?wait=true", UriKind.Relative),
                new { field_name = field, field_schema = schema }, Json, cancellationToken);
            if (!index.IsSuccessStatusCode)
            {
                await ThrowAsync(index, $"index field {field} of {collection}", cancellationToken);
            }
        }
    }

    public async Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync(new Uri(CollectionPath(collection), UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
        {
            await ThrowAsync(response, $"delete collection {collection}", cancellationToken);
        }
    }

    public async Task UpsertAsync(string collection, IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        var body = new
        {
            points = records.Select(r => new
            {
                id = r.ChunkId,
                vector = r.Vector,
                payload = new { chunk_id = r.ChunkId, document_id = r.DocumentId, project = r.Project },
            }),
        };
        using var response = await http.PutAsJsonAsync(
            new Uri(CollectionPath(collection) + "/points?wait=true", UriKind.Relative), body, Json, cancellationToken);
        await EnsureSuccessAsync(response, $"upsert {records.Count} points into {collection}", cancellationToken);
    }

    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(string collection, VectorQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var body = new SearchBody(query.Vector, query.Limit, WithPayload: true, Filter(query.Project, query.DocumentId),
            float.IsFinite(query.MinScore) && query.MinScore > -1 ? query.MinScore : null);
        using var response = await http.PostAsJsonAsync(
            new Uri(CollectionPath(collection) + "/points/search", UriKind.Relative), body, Json, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        await EnsureSuccessAsync(response, $"search {collection}", cancellationToken);
        var result = await response.Content.ReadFromJsonAsync<QdrantResponse<List<ScoredPoint>>>(Json, cancellationToken);
        return (result?.Result ?? []).Select(p => new VectorMatch(
            p.Payload?.ChunkId ?? p.Id.GetInt64(), p.Payload?.DocumentId ?? 0, p.Score)).ToList();
    }

    public async Task DeleteAsync(string collection, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return;
        }

        await DeleteAsync(collection, new { points = chunkIds }, cancellationToken);
    }

    public Task DeleteDocumentAsync(string collection, long documentId, CancellationToken cancellationToken = default) =>
        DeleteAsync(collection, new { filter = Filter(null, documentId) }, cancellationToken);

    public async Task<long> CountAsync(string collection, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync(
            new Uri(CollectionPath(collection) + "/points/count", UriKind.Relative), new { exact = true }, Json, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return 0;
        }

        await EnsureSuccessAsync(response, $"count {collection}", cancellationToken);
        var result = await response.Content.ReadFromJsonAsync<QdrantResponse<CountResult>>(Json, cancellationToken);
        return result?.Result?.Count ?? 0;
    }

    /// <summary>Round trip for the health check: lists collections.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri("collections", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, "list collections", cancellationToken);
    }

    private async Task DeleteAsync(string collection, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(
            new Uri(CollectionPath(collection) + "/points/delete?wait=true", UriKind.Relative), body, Json, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, $"delete points from {collection}", cancellationToken);
        }
    }

    private static QdrantFilter? Filter(string? project, long? documentId)
    {
        var must = new List<FieldCondition>();
        if (project is not null)
        {
            must.Add(new FieldCondition("project", new MatchValue(JsonSerializer.SerializeToElement(project))));
        }

        if (documentId is not null)
        {
            must.Add(new FieldCondition("document_id", new MatchValue(JsonSerializer.SerializeToElement(documentId.Value))));
        }

        return must.Count == 0 ? null : new QdrantFilter(must);
    }

    private string CollectionPath(string collection) => "collections/" + Uri.EscapeDataString(options.Value.CollectionPrefix + collection);

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string action, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            await ThrowAsync(response, action, cancellationToken);
        }
    }

    private static async Task ThrowAsync(HttpResponseMessage response, string action, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException(
            $"Qdrant could not {action}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}", null, response.StatusCode);
    }

    private sealed record SearchBody(float[] Vector, int Limit, bool WithPayload, QdrantFilter? Filter, float? ScoreThreshold);

    private sealed record QdrantFilter(IReadOnlyList<FieldCondition> Must);

    private sealed record FieldCondition(string Key, MatchValue Match);

    private sealed record MatchValue(JsonElement Value);

    private sealed record QdrantResponse<T>(T? Result, string? Status);

    private sealed record ScoredPoint(JsonElement Id, float Score, PointPayload? Payload);

    private sealed record PointPayload(long? ChunkId, long? DocumentId, string? Project);

    private sealed record CountResult(long Count);
}
