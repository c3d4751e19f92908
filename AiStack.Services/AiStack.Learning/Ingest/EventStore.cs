using System.Data.Common;
using System.Text;
using AiStack.Contracts.Telemetry;
using AiStack.Storage;
using Dapper;

namespace AiStack.Learning.Ingest;

/// <summary>Stores events idempotently (an id seen before is a duplicate) and answers the queries on them.</summary>
public sealed class EventStore(Database database, TimeProvider time)
{
    private const string Insert =
        "INSERT INTO events (id, time, source, type, trace_id, task_id, payload, size_bytes, received_at) " +
        "VALUES (@Id, @Time, @Source, @Type, @TraceId, @TaskId, @Payload, @SizeBytes, @ReceivedAt) ON CONFLICT (id) DO NOTHING";

    /// <summary>Stores a batch in one transaction: all of it or none of it.</summary>
    public Task<TelemetryBatchResult> AddAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken) =>
        database.InTransactionAsync((connection, transaction) => AddAsync(connection, transaction, events), cancellationToken);

    /// <summary>Stores events inside the caller's transaction (the JSONL tailer commits its read position with them).</summary>
    public async Task<TelemetryBatchResult> AddAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TelemetryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = time.GetUtcNow();
        var accepted = 0;
        foreach (var telemetryEvent in events)
        {
            var payload = telemetryEvent.Payload.ToJsonString();
            accepted += await connection.ExecuteAsync(Insert, new
            {
                telemetryEvent.Id,
                telemetryEvent.Time,
                telemetryEvent.Source,
                telemetryEvent.Type,
                telemetryEvent.TraceId,
                telemetryEvent.TaskId,
                Payload = payload,
                SizeBytes = (long)Encoding.UTF8.GetByteCount(payload),
                ReceivedAt = now,
            }, transaction);
        }

        await Counters.AddAsync(connection, transaction, Counters.EventsReceived, accepted);
        await Counters.AddAsync(connection, transaction, Counters.EventsDuplicate, events.Count - accepted);
        return new TelemetryBatchResult(accepted, events.Count - accepted);
    }

    public async Task<IReadOnlyList<StoredEvent>> QueryAsync(string? type, DateTimeOffset? since, string? taskId, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT ").Append(StoredEvent.Columns).Append(" FROM events WHERE 1 = 1");
        if (type is not null)
        {
            sql.Append(" AND type = @type");
        }

        if (since is not null)
        {
            sql.Append(" AND time >= @since");
        }

        if (taskId is not null)
        {
            sql.Append(" AND task_id = @taskId");
        }

        sql.Append(" ORDER BY time DESC, seq DESC LIMIT @limit");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<StoredEvent>(new CommandDefinition(sql.ToString(), new { type, since, taskId, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The unprocessed backlog: events, bytes, and the receive time of the oldest.</summary>
    public async Task<Backlog> GetBacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<(long Events, long Bytes)>(new CommandDefinition(
            "SELECT COUNT(*), CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM events WHERE processed_batch IS NULL", cancellationToken: cancellationToken));
        var oldest = row.Events == 0
            ? (DateTimeOffset?)null
            : await connection.QuerySingleOrDefaultAsync<DateTimeOffset?>(new CommandDefinition(
                "SELECT received_at FROM events WHERE processed_batch IS NULL ORDER BY seq LIMIT 1", cancellationToken: cancellationToken));
        var lag = oldest is null ? TimeSpan.Zero : time.GetUtcNow() - oldest.Value;
        return new Backlog(row.Events, row.Bytes, lag < TimeSpan.Zero ? TimeSpan.Zero : lag);
    }
}

public sealed record Backlog(long Events, long Bytes, TimeSpan Lag);
