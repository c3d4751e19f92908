using System.Data.Common;
using System.Text.Json.Nodes;
using AiStack.Learning.Dataset;
using AiStack.Learning.Ingest;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Patterns;

/// <summary>A stored pattern.</summary>
public sealed class PatternRow
{
    public const string Columns =
        "id AS Id, pattern_type AS Type, hash AS Hash, prompt AS Prompt, response AS Response, backend AS Backend, iterations AS Iterations, " +
        "outcome AS Outcome, feedback AS Feedback, value AS Value, occurrences AS Occurrences, embedding AS Embedding, metadata AS Metadata, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt, published_value AS PublishedValue";

    public long Id { get; set; }

    public string Type { get; set; } = "";

    public string Hash { get; set; } = "";

    public string Prompt { get; set; } = "";

    public string Response { get; set; } = "";

    public string? Backend { get; set; }

    public long? Iterations { get; set; }

    public string Outcome { get; set; } = "";

    public long? Feedback { get; set; }

    public double Value { get; set; }

    public long Occurrences { get; set; }

    public byte[]? Embedding { get; set; }

    public string Metadata { get; set; } = "{}";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public double? PublishedValue { get; set; }
}

/// <summary>
/// Writes patterns inside the processing transaction: quality filters, exact dedup by content hash, re-evaluation of a pattern
/// when its origin gets feedback, and the dataset entry of every successful pattern.
/// </summary>
public sealed class PatternStore(IOptions<LearningOptions> options, DatasetLines datasetLines)
{
    public enum Result
    {
        Filtered,
        Created,
        Updated,
        Duplicate,
    }

    public async Task<Result> SaveAsync(DbConnection connection, DbTransaction transaction, PatternCandidate candidate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (QualityFilter.Reject(candidate, options.Value.MaxPatternIterations) is not null)
        {
            await Counters.AddAsync(connection, transaction, Counters.Filtered, 1);
            return Result.Filtered;
        }

        await Counters.AddAsync(connection, transaction, Counters.Candidates, 1);
        var value = candidate.Value;
        var byOrigin = await connection.QuerySingleOrDefaultAsync<long?>(
            "SELECT pattern_id FROM pattern_origins WHERE origin_key = @Origin", new { candidate.Origin }, transaction);
        if (byOrigin is { } originPattern)
        {
            // The same task or interaction again (typically: its feedback arrived). Re-score it; a merged pattern keeps 80 % of its value.
            var current = await GetAsync(connection, transaction, originPattern);
            var merged = current.Occurrences <= 1 ? value : Math.Round((0.8 * current.Value) + (0.2 * value), 6);
            await connection.ExecuteAsync(
                "UPDATE patterns SET outcome = @Outcome, feedback = @Feedback, value = @merged, updated_at = @now WHERE id = @originPattern",
                new { candidate.Outcome, Feedback = (long?)candidate.Feedback, merged, now, originPattern }, transaction);
            await EnsureDatasetEntryAsync(connection, transaction, originPattern, candidate);
            return Result.Updated;
        }

        var hash = candidate.Hash;
        var byHash = await connection.QuerySingleOrDefaultAsync<long?>("SELECT id FROM patterns WHERE hash = @hash", new { hash }, transaction);
        if (byHash is { } duplicate)
        {
            await connection.ExecuteAsync("UPDATE patterns SET occurrences = occurrences + 1, updated_at = @now WHERE id = @duplicate",
                new { now, duplicate }, transaction);
            await connection.ExecuteAsync("INSERT INTO pattern_origins (origin_key, pattern_id) VALUES (@Origin, @duplicate)",
                new { candidate.Origin, duplicate }, transaction);
            await Counters.AddAsync(connection, transaction, Counters.DedupExact, 1);
            return Result.Duplicate;
        }

        var metadata = new JsonObject
        {
            ["origin"] = candidate.Origin,
            ["backend"] = candidate.Backend,
            ["iterations"] = candidate.Iterations,
            ["efficiency"] = candidate.Iterations is > 0 ? Math.Round(1.0 / candidate.Iterations.Value, 4) : null,
            ["time"] = candidate.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }.ToJsonString();
        var id = await connection.ExecuteScalarAsync<long>(
            "INSERT INTO patterns (pattern_type, hash, prompt, response, backend, iterations, outcome, feedback, value, occurrences, metadata, created_at, updated_at) " +
            "VALUES (@Type, @hash, @Prompt, @Response, @Backend, @Iterations, @Outcome, @Feedback, @value, 1, @metadata, @now, @now) RETURNING id",
            new
            {
                candidate.Type, hash, candidate.Prompt, candidate.Response, candidate.Backend, Iterations = (long?)candidate.Iterations,
                candidate.Outcome, Feedback = (long?)candidate.Feedback, value, metadata, now,
            }, transaction);
        await connection.ExecuteAsync("INSERT INTO pattern_origins (origin_key, pattern_id) VALUES (@Origin, @id)", new { candidate.Origin, id }, transaction);
        await EnsureDatasetEntryAsync(connection, transaction, id, candidate);
        return Result.Created;
    }

    public static async Task<PatternRow> GetAsync(DbConnection connection, DbTransaction? transaction, long id) =>
        await connection.QuerySingleAsync<PatternRow>($"SELECT {PatternRow.Columns} FROM patterns WHERE id = @id", new { id }, transaction);

    private async Task EnsureDatasetEntryAsync(DbConnection connection, DbTransaction transaction, long patternId, PatternCandidate candidate)
    {
        if (candidate.Outcome != Outcomes.Success)
        {
            return;
        }

        var pattern = await GetAsync(connection, transaction, patternId);
        await connection.ExecuteAsync(
            "INSERT INTO dataset_entries (pattern_id, hash, line, created_at) VALUES (@patternId, @Hash, @line, @Time) ON CONFLICT DO NOTHING",
            new { patternId, pattern.Hash, line = datasetLines.Line(pattern, candidate.Time), candidate.Time }, transaction);
    }
}
