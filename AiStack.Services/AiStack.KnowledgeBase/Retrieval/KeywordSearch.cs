using System.Data.Common;
using AiStack.KnowledgeBase.Diagnostics;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>A keyword hit, in rank order.</summary>
public sealed record KeywordMatch(long ChunkId, long DocumentId, string Collection);

/// <summary>
/// Keyword retrieval over chunk text: SQLite FTS5 ranked by bm25, or PostgreSQL tsvector (GIN) with websearch_to_tsquery ranked
/// by ts_rank_cd. Any query word may match; chunks with more and rarer matches rank higher. Stop words are dropped, and on a large
/// corpus so are words that occur in too many chunks to tell them apart (their posting lists would dominate the ranking cost
/// and add nothing to the order).
/// </summary>
public sealed class KeywordSearch(Database database, IOptions<RetrievalOptions> options, TimeProvider timeProvider)
{
    private CountSnapshot? _chunkCount;

    public async Task<IReadOnlyList<KeywordMatch>> SearchAsync(
        string query, IReadOnlyList<string> collections, string? project, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collections);
        if (collections.Count == 0 || limit <= 0)
        {
            return [];
        }

        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.keyword_search");
        var words = SqlDialect.Words(query, options.Value.MaxKeywordWords).Where(w => !StopWords.Contains(w)).ToList();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        words = await WithoutCommonWordsAsync(connection, words, cancellationToken);
        var fullText = database.Dialect.FullTextQuery(string.Join(' ', words), FullTextMode.AnyWord);
        activity?.SetTag("kb.keyword.words", words.Count);
        if (fullText is null)
        {
            return [];
        }

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
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql,
            new { fullText, collections = collections.ToArray(), project, limit }, cancellationToken: cancellationToken));
        var matches = rows.Select(r => new KeywordMatch(r.ChunkId, r.DocumentId, r.Collection)).ToList();
        activity?.SetTag("kb.keyword.matches", matches.Count);
        return matches;
    }

    private async Task<List<string>> WithoutCommonWordsAsync(DbConnection connection, List<string> words, CancellationToken cancellationToken)
    {
        if (words.Count <= 2)
        {
            return words;
        }

        var total = await ChunkCountAsync(connection, cancellationToken);
        if (total < options.Value.CommonWordMinimumChunks)
        {
            return words;
        }

        var countSql = database.Provider == DatabaseProvider.Postgres
            ? "SELECT COUNT(*) FROM chunks WHERE search_vector @@ websearch_to_tsquery('english', @word)"
            : "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH @word";
        var frequencies = new List<(string Word, long Chunks)>();
        foreach (var word in words)
        {
            var chunks = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                countSql, new { word = database.Dialect.FullTextQuery(word, FullTextMode.AllWords) }, cancellationToken: cancellationToken));
            if (chunks > 0)
            {
                frequencies.Add((word, chunks));
            }
        }

        var ceiling = total * options.Value.CommonWordRatio;
        var kept = frequencies.Where(f => f.Chunks <= ceiling).Select(f => f.Word).ToList();
        return kept.Count >= 2 ? kept : frequencies.OrderBy(f => f.Chunks).Take(2).Select(f => f.Word).ToList();
    }

    private async Task<long> ChunkCountAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // The corpus size only decides whether to prune; a count a few seconds old is as good and saves a scan per query.
        var snapshot = Volatile.Read(ref _chunkCount);
        var now = timeProvider.GetUtcNow();
        if (snapshot is null || now - snapshot.At > TimeSpan.FromSeconds(10))
        {
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM chunks", cancellationToken: cancellationToken));
            snapshot = new CountSnapshot(count, now);
            Volatile.Write(ref _chunkCount, snapshot);
        }

        return snapshot.Count;
    }

    private sealed record CountSnapshot(long Count, DateTimeOffset At);

    private sealed class Row
    {
        public long ChunkId { get; set; }

        public long DocumentId { get; set; }

        public string Collection { get; set; } = "";
    }
}
