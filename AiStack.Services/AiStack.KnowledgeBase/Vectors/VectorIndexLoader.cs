using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors.Embedded;
using AiStack.Storage;
using Dapper;

namespace AiStack.KnowledgeBase.Vectors;

/// <summary>
/// Start-up step, after the schema migration: re-embeds chunks stored with another embedding model (so switching
/// <c>Embeddings:Provider</c> just works), creates the vector store's collections, and fills it from the database: always for
/// the embedded index (it lives in memory), and for Qdrant when a collection's point count differs from the database's.
/// It also takes the context cache, so that a bad cache configuration stops start-up.
/// </summary>
public sealed class VectorIndexLoader(
    Database database,
    KnowledgeEmbedder embedder,
    IVectorStore store,
    KnowledgeCollections collections,
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
        var dimensions = await embedder.GetDimensionsAsync(cancellationToken);
        await ReembedStaleChunksAsync(cancellationToken);
        foreach (var collection in collections.All)
        {
            await store.EnsureCollectionAsync(collection.Name, dimensions, cancellationToken);
        }

        long loaded = 0;
        foreach (var collection in collections.All)
        {
            var inDatabase = await CountChunksAsync(collection.Name, cancellationToken);
            if (store is not EmbeddedVectorIndex && await store.CountAsync(collection.Name, cancellationToken) == inDatabase)
            {
                continue;
            }

            loaded += await LoadCollectionAsync(collection.Name, cancellationToken);
        }

        var total = store is EmbeddedVectorIndex embedded ? embedded.TotalCount : loaded;
        // Taking the cache here makes a malformed ConnectionStrings:redis fail start-up, not the first request.
        logger.LogInformation("Context cache: {Cache}", cache.Name);
        telemetry.SetChunkCount(total);
        logger.LogInformation("Vector store {Store} ready: {Loaded} chunk vectors loaded from {Database}", store.Name, loaded, database.Description);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<long> LoadCollectionAsync(string collection, CancellationToken cancellationToken)
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
                    "WHERE collection = @collection AND id > @after ORDER BY id LIMIT @limit",
                    new { collection, after, limit = BatchSize }, cancellationToken: cancellationToken))).AsList();
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

    private async Task ReembedStaleChunksAsync(CancellationToken cancellationToken)
    {
        var model = embedder.ModelId;
        var total = 0;
        while (true)
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            var stale = (await connection.QueryAsync<StaleChunkRow>(new CommandDefinition(
                "SELECT id AS Id, content AS Content FROM chunks WHERE embedding_model <> @model ORDER BY id LIMIT @limit",
                new { model, limit = 256 }, cancellationToken: cancellationToken))).AsList();
            if (stale.Count == 0)
            {
                break;
            }

            var vectors = await embedder.EmbedAsync(stale.Select(s => s.Content).ToList(), cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            for (var i = 0; i < stale.Count; i++)
            {
                await connection.ExecuteAsync(
                    "UPDATE chunks SET embedding = @embedding, embedding_model = @model WHERE id = @id",
                    new { embedding = VectorMath.ToBlob(vectors[i]), model, id = stale[i].Id }, transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            total += stale.Count;
        }

        if (total > 0)
        {
            logger.LogInformation("Re-embedded {Count} chunks with {Model}", total, model);
        }
    }

    private async Task<long> CountChunksAsync(string collection, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM chunks WHERE collection = @collection", new { collection }, cancellationToken: cancellationToken));
    }

    private sealed class ChunkVectorRow
    {
        public long Id { get; set; }

        public long DocumentId { get; set; }

        public string Project { get; set; } = "";

        public byte[] Embedding { get; set; } = [];
    }

    private sealed class StaleChunkRow
    {
        public long Id { get; set; }

        public string Content { get; set; } = "";
    }
}
