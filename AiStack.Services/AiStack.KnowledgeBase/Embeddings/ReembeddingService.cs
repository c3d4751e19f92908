using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Vectors;
using AiStack.ServiceDefaults.Hosting;
using AiStack.Storage;
using Dapper;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>
/// After start-up, re-embeds in the background every chunk whose vector another model made (after <c>Embeddings:Provider</c>
/// or the model changed), batch by batch: each batch's new vectors are written to the database and the vector store together,
/// so the index only ever holds the current model's vectors. When a collection has no stale chunk left, its embedder is
/// recorded. Progress is in /health (<c>embedder</c>) and <c>GET /collections</c>. A failure (the embedder or the database down) is
/// logged and the work retried after a pause that doubles up to 5 minutes; finished batches are not done again.
/// </summary>
public sealed class ReembeddingService(
    Database database,
    KnowledgeEmbedder embedder,
    IVectorStore store,
    CollectionEmbedders collectionEmbedders,
    ReembeddingProgress progress,
    IRetrievalCache cache,
    TimeProvider time,
    ILogger<ReembeddingService> logger) : BackgroundService
{
    private const int BatchSize = 64;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let start-up finish first: the host's StartAsync runs this method up to its first await.
        await Task.Yield();
        var backoff = new RetryBackoff(MaxRetry);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReembedPendingAsync(stoppingToken);
                progress.Error = null;
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: the rest is re-embedded at the next start.
                return;
            }
            catch (Exception ex)
            {
                // The embedder or the database failing for a while must not leave stale vectors until the next restart.
                var delay = backoff.Failed(FirstRetry);
                progress.Error = ex.Message;
                logger.LogError("Re-embedding failed ({Failures} in a row); retrying in {Delay}: {ErrorType}: {Error}",
                    backoff.Failures, delay, ex.GetType().Name, ex.Message);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ReembedPendingAsync(CancellationToken stoppingToken)
    {
        var model = embedder.ModelId;
        var dimensions = await embedder.GetDimensionsAsync(stoppingToken);
        foreach (var (collection, _) in progress.Pending)
        {
            var done = await ReembedCollectionAsync(collection, model, stoppingToken);
            await collectionEmbedders.RecordAsync(collection, model, dimensions, stoppingToken);
            progress.Finish(collection);
            await cache.InvalidateAsync(stoppingToken);
            logger.LogInformation("Re-embedded {Count} chunks of {Collection} with {Model}", done, collection, model);
        }
    }

    private async Task<long> ReembedCollectionAsync(string collection, string model, CancellationToken cancellationToken)
    {
        long done = 0;
        while (true)
        {
            List<StaleChunkRow> stale;
            await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            {
                stale = (await connection.QueryAsync<StaleChunkRow>(new CommandDefinition(
                    "SELECT id AS Id, document_id AS DocumentId, project AS Project, content AS Content FROM chunks " +
                    "WHERE collection = @collection AND embedding_model <> @model ORDER BY id LIMIT @limit",
                    new { collection, model, limit = BatchSize }, cancellationToken: cancellationToken))).AsList();
            }

            if (stale.Count == 0)
            {
                return done;
            }

            var vectors = await embedder.EmbedAsync(stale.Select(s => s.Content).ToList(), cancellationToken);
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                for (var i = 0; i < stale.Count; i++)
                {
                    // A chunk replaced meanwhile (new id) simply matches no row; its replacement was embedded by the current model.
                    await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE chunks SET embedding = @embedding, embedding_model = @model WHERE id = @id AND content = @content",
                        new { embedding = VectorMath.ToBlob(vectors[i]), model, id = stale[i].Id, content = stale[i].Content },
                        transaction, cancellationToken: cancellationToken));
                }

                await store.UpsertAsync(collection,
                    stale.Select((s, i) => new VectorRecord(s.Id, s.DocumentId, s.Project, vectors[i])).ToList(), cancellationToken);
                return 0;
            }, cancellationToken);
            done += stale.Count;
            progress.Advance(collection, stale.Count);
        }
    }

    private sealed class StaleChunkRow
    {
        public long Id { get; set; }

        public long DocumentId { get; set; }

        public string Project { get; set; } = "";

        public string Content { get; set; } = "";
    }
}
