using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors.Embedded;
using AiStack.Storage;
using Dapper;

namespace AiStack.KnowledgeBase.Vectors;

/// <summary>
/// Start-up step, after the schema migration: creates the vector store's collections and fills them from the database with
/// the vectors of the configured embedding model only: always for the embedded index (it lives in memory), and for Qdrant when
/// a collection's point count differs. A collection whose recorded embedder differs from the configured one is dropped from
/// the store first, and its chunks are left to <see cref="ReembeddingService"/>, so two models' vectors never meet in one
/// search. It also takes the context cache, so that a bad cache configuration stops start-up.
/// </summary>
public sealed class VectorIndexLoader(
    Database database,
    KnowledgeEmbedder embedder,
    IVectorStore store,
    KnowledgeCollections collections,
    CollectionEmbedders collectionEmbedders,
    ReembeddingProgress progress,
    KnowledgeBaseTelemetry telemetry,
    IRetrievalCache cache,
    ILogger<VectorIndexLoader> logger) : IHostedService
{
    private const int BatchSize = 2048;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException(
                $"The vector store ({store.Name}) is unreachable at start-up: {ex.Message}. Start Qdrant or fix ConnectionStrings__qdrant, " +
                "or unset it to use the embedded index.", ex);
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var model = embedder.ModelId;
        var dimensions = await embedder.GetDimensionsAsync(cancellationToken);
        var recorded = await collectionEmbedders.ReadAsync(cancellationToken);
        var stale = await collectionEmbedders.CountStaleAsync(model, cancellationToken);
        long loaded = 0;
        foreach (var collection in collections.All)
        {
            var staleChunks = stale.GetValueOrDefault(collection.Name);
            var changed = recorded.TryGetValue(collection.Name, out var before)
                ? before.EmbeddingModel != model || before.Dimensions != dimensions
                : staleChunks > 0;
            if (changed)
            {
                logger.LogWarning("Collection {Collection} holds vectors of {Previous}; the embedder is now {Model}: re-embedding {Count} chunks in the background",
                    collection.Name, before?.EmbeddingModel ?? "another model", model, staleChunks);
                await store.DropCollectionAsync(collection.Name, cancellationToken);
            }

            await store.EnsureCollectionAsync(collection.Name, dimensions, cancellationToken);
            if (staleChunks > 0)
            {
                progress.Start(collection.Name, staleChunks);
            }
            else
            {
                await collectionEmbedders.RecordAsync(collection.Name, model, dimensions, cancellationToken);
            }

            var current = await CountChunksAsync(collection.Name, model, cancellationToken);
            if (store is not EmbeddedVectorIndex && !changed && await store.CountAsync(collection.Name, cancellationToken) == current)
            {
                continue;
            }

            loaded += await LoadCollectionAsync(collection.Name, model, cancellationToken);
            (store as EmbeddedVectorIndex)?.CompleteLoad(collection.Name, model);
        }

        var total = store is EmbeddedVectorIndex embedded ? embedded.TotalCount : loaded;
        // Taking the cache here makes a malformed ConnectionStrings:redis fail start-up, not the first request.
        logger.LogInformation("Context cache: {Cache}", cache.Name);
        telemetry.SetChunkCount(total);
        logger.LogInformation("Vector store {Store} ready: {Loaded} chunk vectors of {Model} loaded from {Database}", store.Name, loaded, model, database.Description);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<long> LoadCollectionAsync(string collection, string model, CancellationToken cancellationToken)
    {
        long loaded = 0;
        long after = 0;
        while (true)
        {
            // Keyset pages keep memory flat on large collections and never hold a read transaction for long.
            List<ChunkVectorRow> rows;
            await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            {
                rows = (await connection.QueryAsync<ChunkVectorRow>(new CommandDefinition(
                    "SELECT id AS Id, document_id AS DocumentId, project AS Project, embedding AS Embedding FROM chunks " +
                    "WHERE collection = @collection AND embedding_model = @model AND id > @after ORDER BY id LIMIT @limit",
                    new { collection, model, after, limit = BatchSize }, cancellationToken: cancellationToken))).AsList();
            }

            if (rows.Count == 0)
            {
                return loaded;
            }

            await store.UpsertAsync(collection,
                rows.Select(r => new VectorRecord(r.Id, r.DocumentId, r.Project, VectorMath.FromBlob(r.Embedding))).ToList(), cancellationToken);
            loaded += rows.Count;
            after = rows[^1].Id;
        }
    }

    private async Task<long> CountChunksAsync(string collection, string model, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM chunks WHERE collection = @collection AND embedding_model = @model", new { collection, model },
            cancellationToken: cancellationToken));
    }

    private sealed class ChunkVectorRow
    {
        public long Id { get; set; }

        public long DocumentId { get; set; }

        public string Project { get; set; } = "";

        public byte[] Embedding { get; set; } = [];
    }
}
