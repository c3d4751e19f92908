using AiStack.Contracts.Tasks;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using Dapper;

namespace AiStack.Ralph.Tasks;

public enum StopOutcome { NotFound, AlreadyFinished, Stopped, Stopping }

public enum ApprovalOutcome { NotFound, NotRequired, AlreadyFinished, Recorded }

public sealed record WorkspaceOwner(string TaskId, string Workspace);

public sealed record TaskFilter(string? Status, string? Backend, string? Tag, int Limit, int Offset);

public sealed record TaskCounts(long Total, long Queued, long Running, long Completed, long Failed, long Stopped, long Rejected, long Error, long TotalIterations);

/// <summary>
/// Tasks and iterations in the service's database. Every write by a running task is fenced by its lease owner, so a replica that
/// lost its lease (it was presumed dead and another one took the task) can no longer change the task.
/// </summary>
public sealed class TaskStore(Database database, TimeProvider time)
{
    private const string TaskColumns = "id, prompt, backend, requested_max_iterations, max_iterations, iteration_mode, complexity, task_type, require_approval, context, completion, workspace, max_wall_s, max_tokens, iteration_max_tokens, tags, status, iteration, exit_blocks, tokens_used, completion_reason, error, approval, stop_requested, trace_id, lease_owner, lease_expires_at, created_at, started_at, last_update, finished_at";

    public async Task InsertAsync(TaskRecord task, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                $"INSERT INTO tasks ({TaskColumns}) VALUES (@Id, @Prompt, @Backend, @RequestedMaxIterations, @MaxIterations, @IterationMode, @Complexity, @TaskType, @RequireApproval, @Context, @Completion, @Workspace, @MaxWallS, @MaxTokens, @IterationMaxTokens, @Tags, @Status, @Iteration, @ExitBlocks, @TokensUsed, @CompletionReason, @Error, @Approval, @StopRequested, @TraceId, @LeaseOwner, @LeaseExpiresAt, @CreatedAt, @StartedAt, @LastUpdate, @FinishedAt)",
                task, transaction), cancellationToken);

    /// <summary>A task whose workspace is <paramref name="workspace"/>, one of its parent folders, or lies below it; null when none.</summary>
    public async Task<WorkspaceOwner?> WorkspaceOwnerAsync(string workspace, CancellationToken cancellationToken)
    {
        // Spelled out rather than a list parameter: Dapper expands lists for SQLite but passes an array to Npgsql.
        var parameters = new DynamicParameters();
        var parents = new List<string>();
        for (var folder = workspace; !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            parameters.Add($"p{parents.Count}", folder);
            parents.Add($"@p{parents.Count}");
        }

        var escaped = workspace.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
        parameters.Add("below", escaped + Path.DirectorySeparatorChar + "%");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<WorkspaceOwner>(
            $"SELECT id AS TaskId, workspace AS Workspace FROM tasks WHERE workspace IN ({string.Join(", ", parents)}) OR workspace LIKE @below ESCAPE '\\' LIMIT 1",
            parameters);
    }

    public async Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<TaskRecord>($"SELECT {TaskColumns} FROM tasks WHERE id = @id", new { id });
    }

    public async Task<(IReadOnlyList<TaskRecord> Tasks, long Total)> ListAsync(TaskFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var where = new List<string>();
        if (filter.Status is not null)
        {
            where.Add("status = @Status");
        }

        if (filter.Backend is not null)
        {
            where.Add("backend = @Backend");
        }

        // Tags are a JSON array of strings; the quoted form matches one whole tag.
        if (filter.Tag is not null)
        {
            where.Add("tags LIKE @TagPattern");
        }

        var clause = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        var parameters = new
        {
            filter.Status,
            filter.Backend,
            TagPattern = filter.Tag is null ? null : "%" + System.Text.Json.JsonSerializer.Serialize(filter.Tag) + "%",
            filter.Limit,
            filter.Offset,
        };
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM tasks" + clause, parameters);
        var tasks = await connection.QueryAsync<TaskRecord>(
            $"SELECT {TaskColumns} FROM tasks{clause} ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset", parameters);
        return (tasks.ToList(), total);
    }

    public async Task<IReadOnlyList<IterationRecord>> IterationsAsync(string taskId, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<IterationRecord>(
            "SELECT * FROM iterations WHERE task_id = @taskId ORDER BY number LIMIT @limit OFFSET @offset", new { taskId, offset, limit })).ToList();
    }

    public async Task<IReadOnlyList<IterationRecord>> LastIterationsAsync(string taskId, int count, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<IterationRecord>(
            "SELECT * FROM iterations WHERE task_id = @taskId ORDER BY number DESC LIMIT @count", new { taskId, count });
        return rows.Reverse().ToList();
    }

    public async Task<IterationRecord?> IterationAsync(string taskId, int number, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<IterationRecord>(
            "SELECT * FROM iterations WHERE task_id = @taskId AND number = @number", new { taskId, number });
    }

    /// <summary>A queued task stops at once; a running one is asked to stop (its replica ends it within a heartbeat).</summary>
    public async Task<StopOutcome> RequestStopAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var stopped = await connection.ExecuteAsync(
                "UPDATE tasks SET status = 'stopped', completion_reason = 'stopped before it started', finished_at = @now, last_update = @now WHERE id = @id AND status = 'queued'",
                new { id, now }, transaction);
            if (stopped == 1)
            {
                return StopOutcome.Stopped;
            }

            var asked = await connection.ExecuteAsync(
                "UPDATE tasks SET stop_requested = 1, last_update = @now WHERE id = @id AND status = 'running'", new { id, now }, transaction);
            if (asked == 1)
            {
                return StopOutcome.Stopping;
            }

            var exists = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM tasks WHERE id = @id", new { id }, transaction);
            return exists == 0 ? StopOutcome.NotFound : StopOutcome.AlreadyFinished;
        }, cancellationToken);
    }

    /// <summary>Records a decision for the task's approval gate; a decision made before the gate opens is kept for it.</summary>
    public async Task<ApprovalOutcome> DecideApprovalAsync(string id, bool approved, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var task = await connection.QueryFirstOrDefaultAsync<TaskRecord>($"SELECT {TaskColumns} FROM tasks WHERE id = @id", new { id }, transaction);
            if (task is null)
            {
                return ApprovalOutcome.NotFound;
            }

            if (TaskStatuses.IsFinal(task.Status))
            {
                return ApprovalOutcome.AlreadyFinished;
            }

            if (task.RequireApproval == 0)
            {
                return ApprovalOutcome.NotRequired;
            }

            await connection.ExecuteAsync("UPDATE tasks SET approval = @decision, last_update = @now WHERE id = @id",
                new { id, now, decision = approved ? ApprovalStates.Approved : ApprovalStates.Rejected }, transaction);
            return ApprovalOutcome.Recorded;
        }, cancellationToken);
    }

    /// <summary>
    /// Takes the oldest queued task, or a running one whose lease expired (its replica died), for <paramref name="owner"/>.
    /// PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so replicas never wait on or take the same row. SQLite: the single writer lock.
    /// </summary>
    public async Task<TaskRecord?> ClaimAsync(string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var skipLocked = database.Provider == DatabaseProvider.Postgres ? " FOR UPDATE SKIP LOCKED" : "";
        var sql = $"""
            UPDATE tasks SET status = 'running', lease_owner = @owner, lease_expires_at = @until, last_update = @now,
                started_at = COALESCE(started_at, @now)
            WHERE id = (SELECT id FROM tasks
                        WHERE (status = 'queued' AND stop_requested = 0) OR (status = 'running' AND lease_expires_at < @now)
                        ORDER BY created_at, id LIMIT 1{skipLocked})
            RETURNING {TaskColumns}
            """;
        return await database.InTransactionAsync(async (connection, transaction) =>
            await connection.QueryFirstOrDefaultAsync<TaskRecord>(sql, new { owner, now, until = now + lease }, transaction), cancellationToken);
    }

    /// <summary>Embedded profile (one replica per SQLite file): tasks left running by a previous process are ours again at once.</summary>
    public async Task<int> ReleaseAllLeasesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync("UPDATE tasks SET lease_expires_at = @past WHERE status = 'running'",
                new { past = now.AddYears(-1) }, transaction), cancellationToken);
    }

    /// <summary>
    /// Extends the leases of the tasks this replica is running now (only those: a task whose runner is gone must lose its lease)
    /// and returns the ids among them that were asked to stop.
    /// </summary>
    public async Task<IReadOnlyList<string>> HeartbeatAsync(string owner, IReadOnlyCollection<string> running, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(running);
        if (running.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var ids = running.ToArray();
        var inList = database.Dialect.InList("id", "ids");
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync($"UPDATE tasks SET lease_expires_at = @until WHERE lease_owner = @owner AND status = 'running' AND {inList}",
                new { owner, until = now + lease, ids }, transaction);
            return (await connection.QueryAsync<string>(
                $"SELECT id FROM tasks WHERE lease_owner = @owner AND status = 'running' AND stop_requested = 1 AND {inList}", new { owner, ids }, transaction)).ToList();
        }, cancellationToken);
    }

    /// <summary>Gives a task back at once (its runner ended without a final state: shutdown or a database failure).</summary>
    public async Task ReleaseLeaseAsync(string owner, string id, CancellationToken cancellationToken)
    {
        var past = time.GetUtcNow().AddSeconds(-1);
        await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync("UPDATE tasks SET lease_expires_at = @past WHERE id = @id AND lease_owner = @owner AND status = 'running'",
                new { id, owner, past }, transaction), cancellationToken);
    }

    /// <summary>Stores a finished iteration and advances the task's counters in one transaction; false when the lease was lost.</summary>
    public async Task<bool> RecordIterationAsync(string owner, IterationRecord iteration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(iteration);
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(
                """
                UPDATE tasks SET iteration = @Number, exit_blocks = exit_blocks + @ExitBlocked, tokens_used = tokens_used + @Tokens,
                    error = @Error, last_update = @CreatedAt
                WHERE id = @TaskId AND lease_owner = @owner AND status = 'running' AND iteration = @Number - 1
                """,
                new { iteration.Number, iteration.ExitBlocked, iteration.Tokens, iteration.Error, iteration.CreatedAt, iteration.TaskId, owner }, transaction);
            if (updated != 1)
            {
                return false;
            }

            await connection.ExecuteAsync(
                """
                INSERT INTO iterations (task_id, number, input, output, error, exit_code, duration_ms, files_changed, tokens, route, completed, exit_blocked, replica, created_at)
                VALUES (@TaskId, @Number, @Input, @Output, @Error, @ExitCode, @DurationMs, @FilesChanged, @Tokens, @Route, @Completed, @ExitBlocked, @Replica, @CreatedAt)
                """, iteration, transaction);
            return true;
        }, cancellationToken);
    }

    public async Task<bool> SetApprovalPendingAsync(string owner, string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "UPDATE tasks SET approval = @pending, last_update = @now WHERE id = @id AND lease_owner = @owner AND status = 'running' AND approval IS NULL",
                new { id, owner, now, pending = ApprovalStates.Pending }, transaction) == 1, cancellationToken);
    }

    /// <summary>Consumes an approval (so the next iteration asks again); false when the lease was lost.</summary>
    public async Task<bool> ConsumeApprovalAsync(string owner, string id, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "UPDATE tasks SET approval = NULL WHERE id = @id AND lease_owner = @owner AND status = 'running'",
                new { id, owner }, transaction) == 1, cancellationToken);

    /// <summary>Ends a task and, for completed and failed ones, adds the outcome to the adaptive history, in one transaction.</summary>
    public async Task<bool> FinishAsync(string owner, TaskRecord task, string status, string reason, string? error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var now = time.GetUtcNow();
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(
                """
                UPDATE tasks SET status = @status, completion_reason = @reason, error = COALESCE(@error, error), finished_at = @now, last_update = @now,
                    lease_owner = NULL, lease_expires_at = NULL, approval = NULL
                WHERE id = @id AND lease_owner = @owner AND status = 'running'
                """, new { status, reason, error, now, id = task.Id, owner }, transaction);
            if (updated != 1)
            {
                return false;
            }

            if (status is TaskStatuses.Completed or TaskStatuses.Failed)
            {
                var iterations = await connection.ExecuteScalarAsync<int>("SELECT iteration FROM tasks WHERE id = @id", new { id = task.Id }, transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO adaptive_history (task_type, backend, success, iterations, task_id, recorded_at) VALUES (@TaskType, @Backend, @success, @iterations, @Id, @now)",
                    new { task.TaskType, task.Backend, success = status == TaskStatuses.Completed ? 1 : 0, iterations, task.Id, now }, transaction);
            }

            return true;
        }, cancellationToken);
    }

    public async Task<TaskCounts> CountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<StatusCount>("SELECT status, COUNT(*) AS count FROM tasks GROUP BY status")).ToDictionary(r => r.Status, r => r.Count);
        var iterations = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM iterations");
        long Of(string status) => rows.GetValueOrDefault(status);
        return new TaskCounts(rows.Values.Sum(), Of(TaskStatuses.Queued), Of(TaskStatuses.Running), Of(TaskStatuses.Completed), Of(TaskStatuses.Failed),
            Of(TaskStatuses.Stopped), Of(TaskStatuses.Rejected), Of(TaskStatuses.Error), iterations);
    }

    internal sealed class StatusCount
    {
        public string Status { get; set; } = "";
        public long Count { get; set; }
    }

}
