namespace AiStack.KnowledgeBase.Vectors;

/// <summary>A chunk's vector with what searches filter on.</summary>
public sealed record VectorRecord(long ChunkId, long DocumentId, string Project, float[] Vector);

/// <summary>A search hit: the chunk and its cosine similarity to the query.</summary>
public sealed record VectorMatch(long ChunkId, long DocumentId, float Score);

/// <summary>Search parameters: top <see cref="Limit"/> by cosine, optionally only one project or document, at or above a score.</summary>
public sealed record VectorQuery(float[] Vector, int Limit, string? Project = null, long? DocumentId = null, float MinScore = float.MinValue);

/// <summary>
/// Where chunk vectors are searched. Vectors are normalized, so similarity is the dot product (cosine). The relational
/// database stays the record of truth: a store may hold a vector whose chunk is gone (callers drop such hits), never the reverse.
/// </summary>
public interface IVectorStore
{
    /// <summary>A short name for health and logs ("embedded", "qdrant").</summary>
    string Name { get; }

    Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default);

    /// <summary>Removes a collection with all its vectors (before it is refilled with another model's); absent is fine.</summary>
    Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default);

    Task UpsertAsync(string collection, IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VectorMatch>> SearchAsync(string collection, VectorQuery query, CancellationToken cancellationToken = default);

    Task DeleteAsync(string collection, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken = default);

    Task DeleteDocumentAsync(string collection, long documentId, CancellationToken cancellationToken = default);

    Task<long> CountAsync(string collection, CancellationToken cancellationToken = default);
}
