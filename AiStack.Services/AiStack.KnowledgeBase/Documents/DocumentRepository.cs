using System.Data.Common;
using System.Text.Json;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using Dapper;

namespace AiStack.KnowledgeBase.Documents;

/// <summary>A document as written: its text, where it came from, and what it is about.</summary>
public sealed record NewDocument(string Project, string Collection, string Title, string Source, string Content, string MetadataJson);

/// <summary>A chunk as written with its document.</summary>
public sealed record NewChunk(int Ordinal, string Content, float[] Embedding);

/// <summary>The SQL of documents and chunks: both engines, through the dialect where they differ.</summary>
public sealed class DocumentRepository(Database database)
{
    private const string DocumentColumns =
        "d.id AS Id, d.project AS Project, d.collection AS Collection, d.title AS Title, d.source AS Source, " +
        "d.metadata AS Metadata, d.chunk_count AS ChunkCount, LENGTH(d.content) AS ContentLength, " +
        "d.created_at AS CreatedAt, d.updated_at AS UpdatedAt";

    private SqlDialect Dialect => database.Dialect;

    /// <summary>The id and collection of the document with this (project, source), if any.</summary>
    public static async Task<(long Id, string Collection)?> FindBySourceAsync(DbConnection connection, DbTransaction transaction, string project, string source)
    {
        var row = await connection.QuerySingleOrDefaultAsync<IdCollectionRow>(
            "SELECT id AS Id, collection AS Collection FROM documents WHERE project = @project AND source = @source",
            new { project, source }, transaction);
        return row is null ? null : (row.Id, row.Collection);
    }

    /// <summary>Inserts the document, or updates the one with the same (project, source); returns its id.</summary>
    public async Task<long> UpsertDocumentAsync(DbConnection connection, DbTransaction transaction, NewDocument document, string contentHash, int chunkCount, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(document);
        var sql =
            "INSERT INTO documents (project, collection, source, title, content, metadata, content_hash, chunk_count, created_at, updated_at) " +
            $"VALUES (@project, @collection, @source, @title, @content, {Dialect.JsonValue("metadata")}, @contentHash, @chunkCount, @now, @now) " +
            "ON CONFLICT (project, source) DO UPDATE SET collection = excluded.collection, title = excluded.title, " +
            "content = excluded.content, metadata = excluded.metadata, content_hash = excluded.content_hash, " +
            "chunk_count = excluded.chunk_count, updated_at = excluded.updated_at" + Dialect.ReturningId();
        return await connection.ExecuteScalarAsync<long>(sql, new
        {
            project = document.Project,
            collection = document.Collection,
            source = document.Source,
            title = document.Title,
            content = document.Content,
            metadata = document.MetadataJson,
            contentHash,
            chunkCount,
            now,
        }, transaction);
    }

    /// <summary>Deletes a document's chunks and returns their ids.</summary>
    public static async Task<IReadOnlyList<long>> DeleteChunksAsync(DbConnection connection, DbTransaction transaction, long documentId) =>
        (await connection.QueryAsync<long>("DELETE FROM chunks WHERE document_id = @documentId RETURNING id", new { documentId }, transaction)).AsList();

    /// <summary>
    /// Inserts chunks (with their vectors as float32 blobs) and returns their ids in chunk order. Rows go in multi-row batches,
    /// one round trip per batch; ids are matched back by ordinal, since RETURNING order is not promised.
    /// </summary>
    public static async Task<IReadOnlyList<long>> InsertChunksAsync(
        DbConnection connection, DbTransaction transaction, long documentId, NewDocument document, IReadOnlyList<NewChunk> chunks, string embeddingModel)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(chunks);
        const int RowsPerBatch = 256; // 7 parameters a row stays far below both engines' parameter limits
        var idByOrdinal = new Dictionary<int, long>(chunks.Count);
        for (var offset = 0; offset < chunks.Count; offset += RowsPerBatch)
        {
            var batch = chunks.Skip(offset).Take(RowsPerBatch).ToList();
            var parameters = new DynamicParameters(new { documentId, collection = document.Collection, project = document.Project, embeddingModel });
            var rows = new List<string>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                rows.Add($"(@documentId, @o{i}, @collection, @project, @c{i}, @e{i}, @embeddingModel)");
                parameters.Add($"o{i}", batch[i].Ordinal);
                parameters.Add($"c{i}", batch[i].Content);
                parameters.Add($"e{i}", Embeddings.VectorMath.ToBlob(batch[i].Embedding));
            }

            var inserted = await connection.QueryAsync<InsertedChunkRow>(
                "INSERT INTO chunks (document_id, ordinal, collection, project, content, embedding, embedding_model) VALUES " +
                string.Join(", ", rows) + " RETURNING id AS Id, ordinal AS Ordinal", parameters, transaction);
            foreach (var row in inserted)
            {
                idByOrdinal[(int)row.Ordinal] = row.Id;
            }
        }

        return chunks.Select(c => idByOrdinal[c.Ordinal]).ToList();
    }

    public static async Task<bool> DeleteDocumentAsync(DbConnection connection, DbTransaction transaction, long id) =>
        await connection.ExecuteAsync("DELETE FROM documents WHERE id = @id", new { id }, transaction) > 0;

    public static async Task<string?> CollectionOfAsync(DbConnection connection, DbTransaction transaction, long id) =>
        await connection.ExecuteScalarAsync<string?>("SELECT collection FROM documents WHERE id = @id", new { id }, transaction);

    public async Task<DocumentView?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DocumentRow>(new CommandDefinition(
            $"SELECT {DocumentColumns}, d.content AS Content FROM documents d WHERE d.id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToView(includeContent: true);
    }

    /// <summary>
    /// One page of documents, newest first. <paramref name="search"/> keeps documents whose chunks contain all its words
    /// (full-text, stemmed) or whose title or source contains it as typed.
    /// </summary>
    public async Task<(IReadOnlyList<DocumentView> Page, long Total)> ListAsync(
        string? project, string? search, int limit, int offset, bool includeContent, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        var parameters = new DynamicParameters();
        if (project is not null)
        {
            where.Add("d.project = @project");
            parameters.Add("project", project);
        }

        if (search is not null)
        {
            var like = "%" + search.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
                .Replace("_", "\\_", StringComparison.Ordinal) + "%";
            parameters.Add("like", like);
            var likeOperator = Dialect.Provider == DatabaseProvider.Postgres ? "ILIKE" : "LIKE";
            var filters = new List<string>
            {
                $"d.title {likeOperator} @like ESCAPE '\\'",
                $"d.source {likeOperator} @like ESCAPE '\\'",
            };
            if (Dialect.FullTextQuery(search, FullTextMode.AllWords) is { } fullText)
            {
                parameters.Add("fullText", fullText);
                filters.Add(Dialect.Provider == DatabaseProvider.Postgres
                    ? "d.id IN (SELECT c.document_id FROM chunks c WHERE c.search_vector @@ websearch_to_tsquery('english', @fullText))"
                    : "d.id IN (SELECT c.document_id FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid WHERE chunks_fts MATCH @fullText)");
            }

            where.Add("(" + string.Join(" OR ", filters) + ")");
        }

        var whereSql = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        parameters.Add("limit", limit);
        parameters.Add("offset", offset);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM documents d" + whereSql, parameters, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<DocumentRow>(new CommandDefinition(
            $"SELECT {DocumentColumns}{(includeContent ? ", d.content AS Content" : "")} FROM documents d{whereSql} " +
            "ORDER BY d.updated_at DESC, d.id DESC LIMIT @limit OFFSET @offset", parameters, cancellationToken: cancellationToken));
        return (rows.Select(r => r.ToView(includeContent)).ToList(), total);
    }

    /// <summary>Documents and chunks per collection.</summary>
    public async Task<IReadOnlyDictionary<string, (long Documents, long Chunks)>> CountByCollectionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CollectionCountRow>(new CommandDefinition(
            "SELECT d.collection AS Collection, COUNT(*) AS Documents, COALESCE(SUM(d.chunk_count), 0) AS Chunks FROM documents d GROUP BY d.collection",
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Collection, r => (r.Documents, r.Chunks), StringComparer.Ordinal);
    }

    private sealed class InsertedChunkRow
    {
        public long Id { get; set; }

        public long Ordinal { get; set; }
    }

    private sealed class IdCollectionRow
    {
        public long Id { get; set; }

        public string Collection { get; set; } = "";
    }

    private sealed class CollectionCountRow
    {
        public string Collection { get; set; } = "";

        public long Documents { get; set; }

        public long Chunks { get; set; }
    }

    private sealed class DocumentRow
    {
        public long Id { get; set; }

        public string Project { get; set; } = "";

        public string Collection { get; set; } = "";

        public string Title { get; set; } = "";

        public string Source { get; set; } = "";

        public string Metadata { get; set; } = "{}";

        public long ChunkCount { get; set; }

        public long ContentLength { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }

        public string? Content { get; set; }

        public DocumentView ToView(bool includeContent) => new()
        {
            Id = Id,
            Project = Project,
            Collection = Collection,
            Title = Title,
            Source = Source,
            Metadata = JsonSerializer.Deserialize<JsonElement>(Metadata),
            ChunkCount = (int)ChunkCount,
            ContentLength = (int)ContentLength,
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            Content = includeContent ? Content : null,
        };
    }
}
