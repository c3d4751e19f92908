using System.Data.Common;
using AiStack.Contracts.Learning;
using AiStack.Learning.Diagnostics;
using AiStack.Learning.Ingest;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>
/// The <c>dead_letters</c> table: events whose processing threw. Each failure is recorded in a transaction of its own (the
/// batch's was rolled back), one attempt per run; at <c>Learning:MaxAttempts</c> the event is quarantined by setting its
/// <c>processed_batch</c> to <see cref="QuarantinedBatch"/>, which no batch has, so it leaves the backlog without counting as
/// processed. A replay sets it back to unprocessed and deletes its row in one transaction, so it is processed exactly once more.
/// </summary>
public sealed class DeadLetters(Database database, IOptions<LearningOptions> options, TimeProvider time, LearningMetrics metrics, ILogger<DeadLetters> logger)
{
    /// <summary>The <c>processed_batch</c> of a quarantined event (batch numbers start at 1).</summary>
    public const long QuarantinedBatch = 0;

    private const int MaxErrorLength = 2000;

    public sealed record Counts(long Quarantined, long Retrying);

    /// <summary>Records one failed attempt; returns true when this one quarantined the event.</summary>
    public async Task<bool> RecordFailureAsync(StoredEvent stored, Exception error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(error);
        var now = time.GetUtcNow();
        var message = Describe(error);
        var maxAttempts = options.Value.MaxAttempts;
        var quarantined = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var attempts = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO dead_letters (event_seq, event_id, type, source, error, attempts, first_failed_at, last_failed_at) " +
                "VALUES (@Seq, @Id, @Type, @Source, @message, 1, @now, @now) ON CONFLICT (event_seq) DO UPDATE SET " +
                "attempts = dead_letters.attempts + 1, error = excluded.error, last_failed_at = excluded.last_failed_at RETURNING attempts",
                new { stored.Seq, stored.Id, stored.Type, stored.Source, message, now }, transaction);
            if (attempts < maxAttempts)
            {
                return false;
            }

            await connection.ExecuteAsync("UPDATE dead_letters SET quarantined_at = @now WHERE event_seq = @Seq", new { stored.Seq, now }, transaction);
            return await connection.ExecuteAsync(
                "UPDATE events SET processed_batch = @QuarantinedBatch, processed_at = @now WHERE seq = @Seq AND processed_batch IS NULL",
                new { QuarantinedBatch, now, stored.Seq }, transaction) == 1;
        }, cancellationToken);

        metrics.Error("processing");
        if (quarantined)
        {
            metrics.Quarantined();
            logger.LogError("Event {EventId} (seq {Seq}, type {Type}) failed processing {Attempts} times and is quarantined: {Error}",
                stored.Id, stored.Seq, stored.Type, maxAttempts, message);
        }
        else
        {
            logger.LogWarning("Event {EventId} (seq {Seq}, type {Type}) failed processing; it is retried in the next run: {Error}",
                stored.Id, stored.Seq, stored.Type, message);
        }

        return quarantined;
    }

    /// <summary>Inside a batch's transaction: events that failed before and now went through are no longer retrying.</summary>
    public Task ClearAsync(DbConnection connection, DbTransaction transaction, long[] seqs) =>
        connection.ExecuteAsync(
            $"DELETE FROM dead_letters WHERE {database.Dialect.InList("event_seq", "seqs")} AND quarantined_at IS NULL", new { seqs }, transaction);

    public async Task<Counts> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QuerySingleAsync<(long Quarantined, long Retrying)>(new CommandDefinition(
            "SELECT COUNT(quarantined_at), COUNT(*) - COUNT(quarantined_at) FROM dead_letters", cancellationToken: cancellationToken));
        metrics.DeadLetters(counts.Quarantined);
        return new Counts(counts.Quarantined, counts.Retrying);
    }

    public async Task<IReadOnlyList<DeadLetterView>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT event_seq AS Seq, event_id AS EventId, type AS Type, source AS Source, error AS Error, attempts AS Attempts, " +
            "first_failed_at AS FirstFailedAt, last_failed_at AS LastFailedAt, quarantined_at AS QuarantinedAt " +
            "FROM dead_letters ORDER BY last_failed_at DESC, event_seq DESC LIMIT @limit", new { limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new DeadLetterView(r.Seq, r.EventId, r.Type, r.Source, r.QuarantinedAt is null ? "retrying" : "quarantined",
            r.Error, (int)r.Attempts, r.FirstFailedAt, r.LastFailedAt, r.QuarantinedAt)).ToList();
    }

    /// <summary>Puts quarantined events (one, or all when <paramref name="seq"/> is null) back into processing; returns how many.</summary>
    public async Task<int> ReplayAsync(long? seq, CancellationToken cancellationToken)
    {
        var replayed = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var seqs = (await connection.QueryAsync<long>(
                "SELECT event_seq FROM dead_letters WHERE quarantined_at IS NOT NULL AND (@seq IS NULL OR event_seq = @seq)",
                new { seq }, transaction)).ToArray();
            if (seqs.Length == 0)
            {
                return 0;
            }

            // Only rows still set aside go back: a replay that raced another one finds nothing left to do.
            var reopened = await connection.ExecuteAsync(
                $"UPDATE events SET processed_batch = NULL, processed_at = NULL WHERE {database.Dialect.InList("seq", "seqs")} AND processed_batch = @QuarantinedBatch",
                new { seqs, QuarantinedBatch }, transaction);
            await connection.ExecuteAsync($"DELETE FROM dead_letters WHERE {database.Dialect.InList("event_seq", "seqs")}", new { seqs }, transaction);
            return reopened;
        }, cancellationToken);
        if (replayed > 0)
        {
            logger.LogInformation("{Count} quarantined events were put back into processing", replayed);
        }

        await CountAsync(cancellationToken);
        return replayed;
    }

    private static string Describe(Exception error)
    {
        var message = $"{error.GetType().Name}: {error.Message}";
        return message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];
    }

    private sealed class Row
    {
        public long Seq { get; set; }

        public string EventId { get; set; } = "";

        public string Type { get; set; } = "";

        public string Source { get; set; } = "";

        public string Error { get; set; } = "";

        public long Attempts { get; set; }

        public DateTimeOffset FirstFailedAt { get; set; }

        public DateTimeOffset LastFailedAt { get; set; }

        public DateTimeOffset? QuarantinedAt { get; set; }
    }
}
