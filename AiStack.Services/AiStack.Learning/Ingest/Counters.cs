using System.Data.Common;
using Dapper;

namespace AiStack.Learning.Ingest;

/// <summary>
/// Durable totals (events received, duplicates, processed, not learnable, ...) kept in the <c>counters</c> table and always changed
/// inside the transaction whose work they count, so they stay exact across crashes.
/// </summary>
public static class Counters
{
    public const string EventsReceived = "events_received";
    public const string EventsDuplicate = "events_duplicate";
    public const string EventsProcessed = "events_processed";
    public const string EventsCorrupt = "events_corrupt";
    public const string NotLearnable = "not_learnable";
    public const string Filtered = "filtered";
    public const string DedupExact = "dedup_exact";
    public const string DedupNear = "dedup_near";
    public const string Candidates = "pattern_candidates";

    public static Task AddAsync(DbConnection connection, DbTransaction transaction, string name, long delta) =>
        delta == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync(
                "INSERT INTO counters (name, value) VALUES (@name, @delta) ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
                new { name, delta }, transaction);

    public static async Task<Dictionary<string, long>> ReadAllAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Name, long Value)>(
            new CommandDefinition("SELECT name, value FROM counters", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Name, r => r.Value, StringComparer.Ordinal);
    }
}
