using AiStack.Storage;
using Dapper;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>The embedder a collection's vectors were made with, as recorded in <c>collection_embedders</c>.</summary>
public sealed record CollectionEmbedder(string Collection, string EmbeddingModel, int Dimensions);

/// <summary>Reads and records which embedder each collection's vectors come from, and counts chunks made by another one.</summary>
public sealed class CollectionEmbedders(Database database, TimeProvider timeProvider)
{
    public async Task<IReadOnlyDictionary<string, CollectionEmbedder>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT collection AS Collection, embedding_model AS EmbeddingModel, dimensions AS Dimensions FROM collection_embedders",
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Collection, r => new CollectionEmbedder(r.Collection, r.EmbeddingModel, r.Dimensions), StringComparer.Ordinal);
    }

    public async Task RecordAsync(string collection, string model, int dimensions, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            database.Dialect.Upsert("collection_embedders", ["collection"], ["collection", "embedding_model", "dimensions", "updated_at"]),
            new { collection, embedding_model = model, dimensions, updated_at = timeProvider.GetUtcNow() }, cancellationToken: cancellationToken));
    }

    /// <summary>Chunks per collection whose vector was made by a model other than <paramref name="model"/>.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountStaleAsync(string model, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Collection, long Count)>(new CommandDefinition(
            "SELECT collection, COUNT(*) FROM chunks WHERE embedding_model <> @model GROUP BY collection",
            new { model }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Collection, r => r.Count, StringComparer.Ordinal);
    }

    private sealed class Row
    {
        public string Collection { get; set; } = "";

        public string EmbeddingModel { get; set; } = "";

        public int Dimensions { get; set; }
    }
}
