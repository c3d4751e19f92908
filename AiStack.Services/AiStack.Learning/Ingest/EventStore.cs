using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using AiStack.Contracts.Telemetry;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using Dapper;

namespace AiStack.Learning.Ingest;

/// <summary>Stores events idempotently (an id seen before is a duplicate) and answers the queries on them.</summary>
public sealed class EventStore(Database database, TimeProvider time)
{
    private const int RowsPerStatement = 200;

    /// <summary>Stores a batch in one transaction: all of it or none of it.</summary>
    public Task<TelemetryBatchResult> AddAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken) =>
        database.InTransactionAsync((connection, transaction) => AddAsync(connection, transaction, events), cancellationToken);

    /// <summary>Stores events inside the caller's transaction (the JSONL tailer commits its read position with them).</summary>
    public async Task<TelemetryBatchResult> AddAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TelemetryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = time.GetUtcNow();
        var accepted = 0;
        // PostgreSQL: multi-row INSERTs, one network round trip per chunk. SQLite runs in-process, where a prepared single-row
        // INSERT is faster than binding thousands of named parameters (its parameter lookup is linear).
        var rowsPerStatement = database.Provider == DatabaseProvider.Postgres ? RowsPerStatement : 1;
        foreach (var chunk in events.Chunk(rowsPerStatement))
        {
            var sql = new StringBuilder("INSERT INTO events (id, time, source, type, trace_id, task_id, payload, size_bytes, received_at) VALUES ");
            var parameters = new DynamicParameters();
            for (var i = 0; i < chunk.Length; i++)
            {
                var telemetryEvent = chunk[i];
                var payload = telemetryEvent.Payload.ToJsonString();
                var n = i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture,
                    $"(@id{n}, @time{n}, @source{n}, @type{n}, @trace{n}, @task{n}, @payload{n}, @size{n}, @now)");
                parameters.Add("id" + n, telemetryEvent.Id);
                parameters.Add("time" + n, telemetryEvent.Time);
                parameters.Add("source" + n, telemetryEvent.Source);
                parameters.Add("type" + n, telemetryEvent.Type);
                parameters.Add("trace" + n, telemetryEvent.TraceId, DbType.String);
                parameters.Add("task" + n, telemetryEvent.TaskId, DbType.String);
                parameters.Add("payload" + n, payload);
                parameters.Add("size" + n, (long)Encoding.UTF8.GetByteCount(payload));
            }

            parameters.Add("now", now);
            sql.Append(" ON CONFLICT (id) DO NOTHING");
            accepted += await connection.ExecuteAsync(sql.ToString(), parameters, transaction);
        }

        await Counters.AddAsync(connection, transaction, Counters.EventsReceived, accepted);
        await Counters.AddAsync(connection, transaction, Counters.EventsDuplicate, events.Count - accepted);
        return new TelemetryBatchResult(accepted, events.Count - accepted, []);
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
