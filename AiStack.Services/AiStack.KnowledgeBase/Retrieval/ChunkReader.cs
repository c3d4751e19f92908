using AiStack.KnowledgeBase.Embeddings;
using AiStack.Storage;
using Dapper;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>A chunk with its document's source and title, and its stored vector.</summary>
public sealed record StoredChunk(long ChunkId, long DocumentId, string Collection, string Project, string Source, string Title,
    string Content, string Metadata, float[] Embedding, string EmbeddingModel);

/// <summary>Loads chunks by id for results; ids the database no longer has are simply absent.</summary>
public sealed class ChunkReader(Database database)
{
    public async Task<IReadOnlyDictionary<long, StoredChunk>> ReadAsync(IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return new Dictionary<long, StoredChunk>();
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT c.id AS ChunkId, c.document_id AS DocumentId, c.collection AS Collection, c.project AS Project, " +
            "d.source AS Source, d.title AS Title, c.content AS Content, d.metadata AS Metadata, c.embedding AS Embedding, c.embedding_model AS EmbeddingModel " +
            $"FROM chunks c JOIN documents d ON d.id = c.document_id WHERE {database.Dialect.InList("c.id", "ids")}",
            new { ids = chunkIds.ToArray() }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.ChunkId, r => new StoredChunk(
            r.ChunkId, r.DocumentId, r.Collection, r.Project, r.Source, r.Title, r.Content, r.Metadata, VectorMath.FromBlob(r.Embedding), r.EmbeddingModel));
    }

    private sealed class Row
    {
        public long ChunkId { get; set; }

        public long DocumentId { get; set; }

        public string Collection { get; set; } = "";

        public string Project { get; set; } = "";

        public string Source { get; set; } = "";

        public string Title { get; set; } = "";

        public string Content { get; set; } = "";

        public string Metadata { get; set; } = "{}";

        public byte[] Embedding { get; set; } = [];

        public string EmbeddingModel { get; set; } = "";
    }
}
