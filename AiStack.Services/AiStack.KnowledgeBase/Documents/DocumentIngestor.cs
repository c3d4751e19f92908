using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using AiStack.Contracts.Telemetry;
using AiStack.KnowledgeBase.Caching;
using AiStack.KnowledgeBase.Chunking;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.KnowledgeBase.Embeddings;
using AiStack.KnowledgeBase.Vectors;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Storage;

namespace AiStack.KnowledgeBase.Documents;

public sealed record IngestResult(long DocumentId, int ChunkCount, bool Replaced);

/// <summary>
/// Adds, replaces and deletes documents: chunk, embed, then write the document, its chunks and their vectors in one
/// transaction. The vector store is written before the commit (so a store failure rolls the database back) and stale vectors
/// are removed after it; a vector whose chunk is gone is harmless because retrieval drops hits it cannot find in the database.
/// </summary>
public sealed class DocumentIngestor(
    Database database,
    DocumentRepository repository,
    TextChunker chunker,
    KnowledgeEmbedder embedder,
    IVectorStore vectorStore,
    IRetrievalCache cache,
    KnowledgeBaseTelemetry telemetry,
    ITelemetryEvents events,
    TimeProvider timeProvider,
    ILogger<DocumentIngestor> logger)
{
    public async Task<IngestResult> IngestAsync(NewDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.ingest");
        activity?.SetTag("kb.collection", document.Collection);
        activity?.SetTag("kb.project", document.Project);

        var pieces = chunker.Split(document.Content);
        var vectors = await embedder.EmbedAsync(pieces.Select(p => p.Text).ToList(), cancellationToken);
        var chunks = pieces.Select((p, i) => new NewChunk(p.Ordinal, p.Text, vectors[i])).ToList();
        var model = embedder.ModelId;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document.Content))).ToLowerInvariant();

        List<VectorRecord>? staged = null;
        (long Id, string Collection)? previous = null;
        IReadOnlyList<long> oldChunkIds = [];
        long documentId;
        try
        {
            documentId = await database.InTransactionAsync(async (connection, transaction) =>
            {
                previous = await DocumentRepository.FindBySourceAsync(connection, transaction, document.Project, document.Source);
                var id = await repository.UpsertDocumentAsync(connection, transaction, document, hash, chunks.Count, timeProvider.GetUtcNow());
                oldChunkIds = await DocumentRepository.DeleteChunksAsync(connection, transaction, id);
                var chunkIds = await DocumentRepository.InsertChunksAsync(connection, transaction, id, document, chunks, model);
                staged = chunks.Select((c, i) => new VectorRecord(chunkIds[i], id, document.Project, c.Embedding)).ToList();
                await vectorStore.UpsertAsync(document.Collection, staged, cancellationToken);
                return id;
            }, cancellationToken);
        }
        catch (Exception ex) when (staged is not null)
        {
            logger.LogWarning(ex, "Indexing {Source} in {Project} failed after its vectors were staged; removing them", document.Source, document.Project);
            await RemoveStaleVectorsAsync(document.Collection, staged.Select(s => s.ChunkId).ToList());
            throw;
        }

        if (oldChunkIds.Count > 0 && previous is { } old)
        {
            await RemoveStaleVectorsAsync(old.Collection, oldChunkIds);
        }

        await cache.InvalidateAsync(CancellationToken.None);
        telemetry.DocumentIndexed(chunks.Count);
        events.Publish(TelemetryEventTypes.DocumentIndexed, new DocumentIndexedPayload(
            documentId, document.Project, document.Source, document.Collection, chunks.Count, previous is not null));
        activity?.SetTag("kb.chunks", chunks.Count);
        activity?.SetStatus(ActivityStatusCode.Ok);
        logger.LogInformation("{Action} document {DocumentId} ({Source}) in {Project}/{Collection} with {Chunks} chunks",
            previous is null ? "Added" : "Replaced", documentId, document.Source, document.Project, document.Collection, chunks.Count);
        return new IngestResult(documentId, chunks.Count, previous is not null);
    }

    /// <summary>Deletes a document with its chunks and vectors; returns the number of chunks removed, or null when it does not exist.</summary>
    public async Task<int?> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.delete");
        string? collection = null;
        IReadOnlyList<long> chunkIds = [];
        var deleted = await database.InTransactionAsync(async (connection, transaction) =>
        {
            collection = await DocumentRepository.CollectionOfAsync(connection, transaction, id);
            if (collection is null)
            {
                return false;
            }

            chunkIds = await DocumentRepository.DeleteChunksAsync(connection, transaction, id);
            return await DocumentRepository.DeleteDocumentAsync(connection, transaction, id);
        }, cancellationToken);

        if (!deleted || collection is null)
        {
            return null;
        }

        await RemoveStaleVectorsAsync(collection, chunkIds);
        await cache.InvalidateAsync(CancellationToken.None);
        logger.LogInformation("Deleted document {DocumentId} with {Chunks} chunks from {Collection}", id, chunkIds.Count, collection);
        return chunkIds.Count;
    }

    private async Task RemoveStaleVectorsAsync(string collection, IReadOnlyList<long> chunkIds)
    {
        try
        {
            await vectorStore.DeleteAsync(collection, chunkIds.ToList(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // The database no longer has these chunks, so searches already ignore their vectors.
            logger.LogWarning(ex, "Could not remove {Count} stale vectors from {Store}; they will be ignored", chunkIds.Count, vectorStore.Name);
        }
    }
}
