using System.Collections.Concurrent;

namespace AiStack.KnowledgeBase.Vectors.Embedded;

/// <summary>
/// The embedded profile's vector store: exact cosine search in memory with SIMD (System.Numerics.Tensors). The vectors are
/// persisted as blobs with their chunks in the service's database and loaded at start-up by <see cref="VectorIndexLoader"/>,
/// so this class only holds the in-memory copy. Thread-safe.
/// </summary>
public sealed class EmbeddedVectorIndex : IVectorStore
{
    private readonly ConcurrentDictionary<string, CollectionIndex> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _projectIds = new(StringComparer.Ordinal);
    private int _nextProjectId;

    public string Name => "embedded";

    public long TotalCount => _collections.Values.Sum(c => (long)c.Count);

    public Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default)
    {
        var index = _collections.GetOrAdd(collection, _ => new CollectionIndex(dimensions));
        if (index.Dimensions != dimensions)
        {
            throw new InvalidOperationException($"Collection {collection} holds {index.Dimensions}-dimension vectors, not {dimensions}.");
        }

        return Task.CompletedTask;
    }

    public Task DropCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        _collections.TryRemove(collection, out _);
        return Task.CompletedTask;
    }

    public Task UpsertAsync(string collection, IReadOnlyList<VectorRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return Task.CompletedTask;
        }

        var index = _collections.GetOrAdd(collection, _ => new CollectionIndex(records[0].Vector.Length));
        index.Upsert(records.Select(r => (r.ChunkId, r.DocumentId, ProjectId(r.Project), r.Vector)));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VectorMatch>> SearchAsync(string collection, VectorQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!_collections.TryGetValue(collection, out var index) || query.Limit <= 0)
        {
            return Task.FromResult<IReadOnlyList<VectorMatch>>([]);
        }

        int? projectId = null;
        if (query.Project is not null)
        {
            if (!_projectIds.TryGetValue(query.Project, out var id))
            {
                return Task.FromResult<IReadOnlyList<VectorMatch>>([]);
            }

            projectId = id;
        }

        var hits = index.Search(query.Vector, query.Limit, projectId, query.DocumentId, query.MinScore);
        return Task.FromResult<IReadOnlyList<VectorMatch>>(hits.Select(h => new VectorMatch(h.ChunkId, h.DocumentId, h.Score)).ToList());
    }

    public Task DeleteAsync(string collection, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken = default)
    {
        if (_collections.TryGetValue(collection, out var index))
        {
            index.Remove(chunkIds);
        }

        return Task.CompletedTask;
    }

    public Task DeleteDocumentAsync(string collection, long documentId, CancellationToken cancellationToken = default)
    {
        if (_collections.TryGetValue(collection, out var index))
        {
            index.RemoveDocument(documentId);
        }

        return Task.CompletedTask;
    }

    public Task<long> CountAsync(string collection, CancellationToken cancellationToken = default) =>
        Task.FromResult(_collections.TryGetValue(collection, out var index) ? (long)index.Count : 0L);

    private int ProjectId(string project) => _projectIds.GetOrAdd(project, _ => Interlocked.Increment(ref _nextProjectId));
}
