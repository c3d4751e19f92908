using System.Collections.Concurrent;
using AiStack.ServiceDefaults.Hosting;
using AiStack.Storage;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Vectors.Embedded;

/// <summary>
/// The embedded profile's vector store: exact cosine search in memory with SIMD (System.Numerics.Tensors). The vectors are
/// persisted as blobs with their chunks in the service's database and loaded at start-up by <see cref="VectorIndexLoader"/>,
/// so this class only holds the in-memory copy. A collection of at least <see cref="HnswOptions.Threshold"/> vectors is also
/// given an HNSW graph, saved beside the data at shutdown and reused at the next start when it matches the loaded vectors.
/// Thread-safe.
/// </summary>
public sealed class EmbeddedVectorIndex(IOptions<HnswOptions> hnswOptions, IOptions<DatabaseOptions> databaseOptions, ILogger<EmbeddedVectorIndex> logger)
    : IVectorStore, IDisposable
{
    private readonly ConcurrentDictionary<string, CollectionIndex> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _projectIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _loadedModels = new(StringComparer.Ordinal);
    private int _nextProjectId;

    /// <summary>An index outside a host (benchmarks, tests): graphs from <paramref name="hnsw"/>, saved under <paramref name="graphDirectory"/>.</summary>
    public static EmbeddedVectorIndex Standalone(HnswOptions hnsw, string graphDirectory) =>
        new(Options.Create(hnsw), Options.Create(new DatabaseOptions { SqlitePath = Path.Combine(graphDirectory, "unused.db") }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<EmbeddedVectorIndex>.Instance);

    /// <summary>Where graphs are saved: Vectors:Hnsw:Directory, or beside the SQLite file, or under AISTACK_HOME/data.</summary>
    public string GraphDirectory =>
        hnswOptions.Value.Directory is { Length: > 0 } configured ? configured
        : string.IsNullOrWhiteSpace(databaseOptions.Value.PostgresConnectionString) && databaseOptions.Value.SqlitePath.Length > 0
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databaseOptions.Value.SqlitePath))!, "knowledgebase-hnsw")
            : Path.Combine(AiStackPaths.DataDirectory, "knowledgebase-hnsw");

    /// <summary>Whether searches of <paramref name="collection"/> go through an HNSW graph.</summary>
    public bool HasGraph(string collection) => _collections.TryGetValue(collection, out var index) && index.HasGraph;

    /// <summary>
    /// Called once a collection is loaded with <paramref name="model"/>'s vectors: above the threshold, reuses the saved graph
    /// when it was built from exactly these vectors, or builds one.
    /// </summary>
    public void CompleteLoad(string collection, string model)
    {
        _loadedModels[collection] = model;
        var threshold = hnswOptions.Value.Threshold;
        if (threshold <= 0 || !_collections.TryGetValue(collection, out var index) || index.Count < threshold)
        {
            return;
        }

        var manifest = new HnswGraph.Manifest(model, index.Count, index.IdChecksum());
        var saved = HnswGraph.TryLoad(GraphPath(collection), manifest, hnswOptions.Value);
        var started = Environment.TickCount64;
        index.AttachGraph(saved, () => HnswGraph.Create(index.Dimensions, hnswOptions.Value));
        logger.LogInformation("HNSW graph for {Collection}: {Action} for {Count} vectors in {Elapsed} ms",
            collection, saved is null ? "built" : "loaded", manifest.Count, Environment.TickCount64 - started);
    }

    /// <summary>Saves every collection's graph with its manifest, so the next start can skip building it.</summary>
    public void Dispose()
    {
        foreach (var (collection, index) in _collections)
        {
            try
            {
                if (index.HasGraph && _loadedModels.TryGetValue(collection, out var model))
                {
                    index.SaveGraph(GraphPath(collection), model);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Cloud.Unum.USearch.USearchException)
            {
                // Only a cache of what the database holds: the next start rebuilds it.
                logger.LogWarning(ex, "Could not save the HNSW graph of {Collection}", collection);
            }

            index.Dispose();
        }
    }

    private string GraphPath(string collection) => Path.Combine(GraphDirectory, collection + ".usearch");

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
        if (_collections.TryRemove(collection, out var index))
        {
            index.Dispose();
        }

        _loadedModels.TryRemove(collection, out _);
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
        // A loaded collection that grows past the threshold gets its graph now (loading builds it once, at the end).
        if (_loadedModels.ContainsKey(collection) && !index.HasGraph && hnswOptions.Value.Threshold > 0 && index.Count >= hnswOptions.Value.Threshold)
        {
            index.AttachGraph(null, () => HnswGraph.Create(index.Dimensions, hnswOptions.Value));
        }

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
