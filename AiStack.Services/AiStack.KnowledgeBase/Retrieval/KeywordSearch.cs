using AiStack.KnowledgeBase.Diagnostics;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using Dapper;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>A keyword hit, in rank order.</summary>
public sealed record KeywordMatch(long ChunkId, long DocumentId, string Collection);

/// <summary>
/// Keyword retrieval over chunk text: SQLite FTS5 ranked by bm25, or PostgreSQL tsvector (GIN) with websearch_to_tsquery ranked
/// by ts_rank_cd. Any query word may match; chunks with more and rarer matches rank higher.
/// </summary>
public sealed class KeywordSearch(Database database)
{
    public async Task<IReadOnlyList<KeywordMatch>> SearchAsync(
        string query, IReadOnlyList<string> collections, string? project, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collections);
        var fullText = database.Dialect.FullTextQuery(query, FullTextMode.AnyWord);
        if (fullText is null || collections.Count == 0 || limit <= 0)
        {
            return [];
        }

        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.keyword_search");
        var dialect = database.Dialect;
        var projectFilter = project is null ? "" : " AND c.project = @project";
        var sql = dialect.Provider == DatabaseProvider.Postgres
            ? "SELECT c.id AS ChunkId, c.document_id AS DocumentId, c.collection AS Collection " +
              "FROM chunks c, websearch_to_tsquery('english', @fullText) q " +
              $"WHERE c.search_vector @@ q AND {dialect.InList("c.collection", "collections")}{projectFilter} " +
              "ORDER BY ts_rank_cd(c.search_vector, q) DESC, c.id LIMIT @limit"
            : "SELECT c.id AS ChunkId, c.document_id AS DocumentId, c.collection AS Collection " +
              "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid " +
              $"WHERE chunks_fts MATCH @fullText AND {dialect.InList("c.collection", "collections")}{projectFilter} " +
              "ORDER BY bm25(chunks_fts), c.id LIMIT @limit";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql,
            new { fullText, collections = collections.ToArray(), project, limit }, cancellationToken: cancellationToken));
        var matches = rows.Select(r => new KeywordMatch(r.ChunkId, r.DocumentId, r.Collection)).ToList();
        activity?.SetTag("kb.keyword.matches", matches.Count);
        return matches;
    }

    private sealed class Row
    {
        public long ChunkId { get; set; }

        public long DocumentId { get; set; }

        public string Collection { get; set; } = "";
    }
}
