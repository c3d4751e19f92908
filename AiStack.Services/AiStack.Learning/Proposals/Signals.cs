using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Proposals;

/// <summary>
/// Running evidence for proposals, updated inside the processing transaction, and the proposals it turns into: one per dedup key,
/// created when a signal has occurred <c>Learning:ProposalMinOccurrences</c> times, at most <c>Learning:MaxProposalsPerBatch</c> per batch.
/// </summary>
public sealed class Signals(IOptions<LearningOptions> options)
{
    private const int MaxSamples = 10;

    public sealed record Signal(long Count, long Failures, JsonObject Evidence);

    /// <summary>Adds one occurrence (and a sample of evidence) to the signal <paramref name="key"/>; returns the updated totals.</summary>
    public static async Task<Signal> RecordAsync(
        DbConnection connection, DbTransaction transaction, string kind, string key, JsonObject sample, bool failure, DateTimeOffset now)
    {
        var existing = await connection.QuerySingleOrDefaultAsync<string>("SELECT evidence FROM signals WHERE key = @key", new { key }, transaction);
        var evidence = existing is null ? new JsonObject { ["count"] = 0L, ["failures"] = 0L, ["samples"] = new JsonArray() } : (JsonObject)JsonNode.Parse(existing)!;
        var count = evidence["count"]!.GetValue<long>() + 1;
        var failures = evidence["failures"]!.GetValue<long>() + (failure ? 1 : 0);
        evidence["count"] = count;
        evidence["failures"] = failures;
        var samples = evidence["samples"]!.AsArray();
        samples.Add(sample);
        while (samples.Count > MaxSamples)
        {
            samples.RemoveAt(0);
        }

        await connection.ExecuteAsync(
            "INSERT INTO signals (key, kind, count, evidence, updated_at) VALUES (@key, @kind, @count, @evidence, @now) " +
            "ON CONFLICT (key) DO UPDATE SET count = excluded.count, evidence = excluded.evidence, updated_at = excluded.updated_at",
            new { key, kind, count, evidence = evidence.ToJsonString(), now }, transaction);
        return new Signal(count, failures, evidence);
    }

    public static async Task<Signal?> ReadAsync(DbConnection connection, DbTransaction transaction, string key)
    {
        var text = await connection.QuerySingleOrDefaultAsync<string>("SELECT evidence FROM signals WHERE key = @key", new { key }, transaction);
        if (text is null)
        {
            return null;
        }

        var evidence = (JsonObject)JsonNode.Parse(text)!;
        return new Signal(evidence["count"]!.GetValue<long>(), evidence["failures"]!.GetValue<long>(), evidence);
    }

    public bool Enough(Signal signal) => signal.Count >= options.Value.ProposalMinOccurrences;

    /// <summary>Stores a new pending proposal unless one with the same key exists or the batch's cap is reached.</summary>
    public async Task<bool> ProposeAsync(
        DbConnection connection, DbTransaction transaction, BatchCounts batch, string kind, string subject, string title, string prompt,
        JsonObject evidence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.NewProposals >= options.Value.MaxProposalsPerBatch)
        {
            return false;
        }

        var dedupKey = kind + ":" + subject;
        var added = await connection.ExecuteAsync(
            "INSERT INTO proposals (dedup_key, kind, title, prompt, evidence, status, attempts, created_at) " +
            "VALUES (@dedupKey, @kind, @title, @prompt, @evidence, 'pending', 0, @now) ON CONFLICT (dedup_key) DO NOTHING",
            new { dedupKey, kind, title, prompt, evidence = evidence.ToJsonString(), now }, transaction);
        batch.NewProposals += added;
        return added > 0;
    }

    public static string Percent(double value) => value.ToString("P0", CultureInfo.InvariantCulture);
}

/// <summary>What one processing batch did, for its counters and caps.</summary>
public sealed class BatchCounts
{
    public int NewProposals { get; set; }

    public int PatternsCreated { get; set; }

    public int NotLearnable { get; set; }
}
