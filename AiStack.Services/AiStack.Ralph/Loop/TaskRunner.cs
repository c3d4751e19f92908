using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AiStack.Contracts.Tasks;
using AiStack.Contracts.Telemetry;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Commands;
using AiStack.Ralph.Settings;
using AiStack.Ralph.Tasks;
using AiStack.Ralph.Telemetry;
using AiStack.Ralph.Workspaces;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Loop;

/// <summary>Why a task's run was cut short: a stop request or the host shutting down.</summary>
public sealed class TaskCancellation(CancellationToken hostStopping)
{
    private readonly CancellationTokenSource _stop = new();

    public CancellationToken HostStopping => hostStopping;

    public bool StopRequested => _stop.IsCancellationRequested;

    public CancellationTokenSource Linked() => CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _stop.Token);

    public void RequestStop() => _stop.Cancel();
}

/// <summary>
/// Runs one claimed task from its last recorded iteration until a final state: build the input, run the backend, record the
/// iteration (fenced by the lease), then decide. Exit code 2 blocks a premature exit; exit 0 completes only by the task's rule;
/// any other code is an error that the next iteration's input carries. The workspace is checked before and after every backend
/// run, and a failed git checkpoint is recorded with the iteration and ends the task <c>error</c>.
/// </summary>
public sealed partial class TaskRunner(
    TaskStore store,
    SettingsStore settingsStore,
    BackendRegistry backends,
    IterationInputBuilder inputs,
    WorkspaceResolver workspaces,
    ChildEnvironment children,
    CommandAllowList allowList,
    RalphTelemetry telemetry,
    IOptions<RalphOptions> options,
    TimeProvider time,
    ILogger<TaskRunner> logger)
{
    public const int ExitBlockCode = 2;

    public async Task RunAsync(TaskRecord task, string owner, TaskCancellation cancellation)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(cancellation);
        using var activity = StartActivity(task);
        telemetry.TaskStarted();
        try
        {
            using var linked = cancellation.Linked();
            await RunIterationsAsync(task, owner, cancellation, linked.Token);
        }
        catch (OperationCanceledException) when (cancellation.StopRequested)
        {
            await FinishAsync(task, owner, TaskStatuses.Stopped, "stopped by request", null, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellation.HostStopping.IsCancellationRequested)
        {
            // Shutting down: the task stays running with its recorded iterations; a restart (or another replica) resumes it.
            LogLeftForResume(logger, task.Id, task.Iteration);
        }
        catch (System.Data.Common.DbException e)
        {
            // The database, not the task, failed: leave the task running; its lease is released and it resumes at the last
            // recorded iteration once the database answers again.
            LogDatabaseTrouble(logger, e, task.Id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogTaskError(logger, e, task.Id);
            await FinishAsync(task, owner, TaskStatuses.Error, "internal error", e.Message, CancellationToken.None);
        }
        finally
        {
            telemetry.TaskLeft();
        }
    }

    private async Task RunIterationsAsync(TaskRecord task, string owner, TaskCancellation cancellation, CancellationToken cancellationToken)
    {
        var backend = backends.Find(task.Backend);
        if (backend is null)
        {
            await FinishAsync(task, owner, TaskStatuses.Error, "backend not declared", $"backend '{task.Backend}' is no longer declared", cancellationToken);
            return;
        }

        var startedAt = task.StartedAt ?? time.GetUtcNow();
        var rule = task.CompletionRule;
        while (true)
        {
            var settings = await settingsStore.CurrentAsync(cancellationToken);
            var elapsed = time.GetUtcNow() - startedAt;
            if (LimitReached(task, settings, elapsed) is { } limitReason)
            {
                await FinishAsync(task, owner, TaskStatuses.Failed, limitReason, null, cancellationToken);
                return;
            }

            var number = task.Iteration + 1;
            // An approval-gated task runs nothing unapproved, its first iteration included; each iteration asks again.
            if (task.RequireApproval != 0 && !await PassApprovalGateAsync(task, owner, number, settings, cancellationToken))
            {
                return;
            }

            if (workspaces.Check(task.Workspace) is { } refused)
            {
                await FinishAsync(task, owner, TaskStatuses.Error, "workspace refused", refused, cancellationToken);
                return;
            }

            Directory.CreateDirectory(task.Workspace);
            var environment = children.ForTask(task.Id);
            var input = await inputs.BuildAsync(task, number, backend, cancellationToken);
            var timeout = BackendTimeout(backend, task, settings, time.GetUtcNow() - startedAt);
            var before = WorkspaceSnapshot.Take(task.Workspace);
            var stopwatch = Stopwatch.StartNew();
            var maxTokens = task.IterationMaxTokens ?? settings.LlmMaxTokens;
            var result = await backend.RunAsync(new BackendRequest(task, number, input, task.Workspace, timeout, maxTokens, environment,
                children.InputFile(task.Id, number)), cancellationToken);
            stopwatch.Stop();

            // The backend may have swapped its folder for a link: then neither the verify command nor git runs in it.
            var swapped = workspaces.Check(task.Workspace);
            var blocked = result.ExitCode == ExitBlockCode;
            var check = result.ExitCode == 0 && swapped is null
                ? await CompletionChecker.CheckAsync(rule, result, task.Workspace, allowList, environment, cancellationToken)
                : CompletionCheck.NotDone;
            var completionReason = check.Reason;
            var failed = result.ExitCode is not 0 and not ExitBlockCode;
            var files = swapped is null
                ? WorkspaceSnapshot.Take(task.Workspace).ChangedSince(before).Union(result.FilesModified).Distinct().Order(StringComparer.Ordinal).ToList()
                : [];
            var endingProblem = swapped ?? await CheckpointAsync(task, number, result.ExitCode, failed, cancellationToken);
            var errors = new[] { result.Error, check.VerifyFailure, endingProblem }.Where(e => e is not null).ToList();
            var error = errors.Count == 0 ? null : string.Join("\n", errors);

            var record = new IterationRecord
            {
                TaskId = task.Id,
                Number = number,
                Input = input,
                Output = result.Output,
                Error = error,
                ExitCode = result.ExitCode,
                DurationMs = stopwatch.Elapsed.TotalMilliseconds,
                FilesChanged = JsonSerializer.Serialize(files),
                Tokens = result.Tokens,
                Route = result.Route ?? backend.Kind,
                Completed = completionReason is null ? 0 : 1,
                ExitBlocked = blocked ? 1 : 0,
                Replica = owner,
                CreatedAt = time.GetUtcNow(),
            };
            if (!await store.RecordIterationAsync(owner, record, CancellationToken.None))
            {
                LogLeaseLost(logger, task.Id, number);
                return;
            }

            task.Iteration = number;
            task.TokensUsed += result.Tokens;
            task.ExitBlocks += blocked ? 1 : 0;
            telemetry.IterationRan(task.Backend);
            telemetry.Publish(TelemetryEventTypes.IterationCompleted, new IterationCompletedPayload(
                task.Id, number, task.Backend, result.ExitCode, record.DurationMs, files, result.Tokens,
                RalphTelemetry.Protect(Cut(result.Output), settings.HashContent), error is null ? null : RalphTelemetry.Protect(Cut(error), settings.HashContent)), task.Id);
            if (endingProblem is not null)
            {
                telemetry.CheckpointFailed();
                await FinishAsync(task, owner, TaskStatuses.Error, swapped is null ? "git checkpoint failed" : "workspace refused", endingProblem, cancellationToken);
                return;
            }

            if (blocked)
            {
                telemetry.ExitBlocked();
                telemetry.Publish(TelemetryEventTypes.ExitBlocked, new ExitBlockedPayload(task.Id, number, task.Backend), task.Id);
                continue;
            }

            if (completionReason is not null)
            {
                await FinishAsync(task, owner, TaskStatuses.Completed, completionReason, null, cancellationToken);
                return;
            }
        }
    }

    private static string? LimitReached(TaskRecord task, RalphSettings settings, TimeSpan elapsed)
    {
        if (task.MaxIterations > 0 && task.Iteration >= task.MaxIterations)
        {
            return $"iteration limit of {task.MaxIterations} reached without completion ({task.IterationMode})";
        }

        if (task.Iteration >= settings.HardMaxIterations)
        {
            return $"hard backstop of {settings.HardMaxIterations} iterations reached without completion";
        }

        if (task.MaxWallS is { } wall && elapsed.TotalSeconds >= wall)
        {
            return $"wall-time budget of {wall} s exhausted after {task.Iteration} iterations";
        }

        if (elapsed.TotalSeconds >= settings.HardMaxWallS)
        {
            return string.Create(CultureInfo.InvariantCulture, $"hard backstop of {settings.HardMaxWallS} s wall time reached after {task.Iteration} iterations");
        }

        if (task.MaxTokens is { } tokens && task.TokensUsed >= tokens)
        {
            return $"token budget of {tokens} exhausted ({task.TokensUsed} used)";
        }

        return null;
    }

    /// <summary>The backend's own timeout, cut to what is left of the task's wall budget and the backstop.</summary>
    private static TimeSpan BackendTimeout(IAgentBackend backend, TaskRecord task, RalphSettings settings, TimeSpan elapsed)
    {
        var left = TimeSpan.FromSeconds(settings.HardMaxWallS) - elapsed;
        if (task.MaxWallS is { } wall)
        {
            left = TimeSpan.FromTicks(Math.Min(left.Ticks, (TimeSpan.FromSeconds(wall) - elapsed).Ticks));
        }

        var timeout = backend.Timeout < left ? backend.Timeout : left;
        return timeout > TimeSpan.FromMilliseconds(100) ? timeout : TimeSpan.FromMilliseconds(100);
    }

    private async Task<bool> PassApprovalGateAsync(TaskRecord task, string owner, int number, RalphSettings settings, CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.ApprovalPollMilliseconds);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(settings.ApprovalTimeoutS);
        var requested = false;
        while (true)
        {
            var current = await store.GetAsync(task.Id, cancellationToken);
            if (current is null || current.LeaseOwner != owner)
            {
                LogLeaseLost(logger, task.Id, number);
                return false;
            }

            switch (current.Approval)
            {
                case ApprovalStates.Approved:
                    await store.ConsumeApprovalAsync(owner, task.Id, cancellationToken);
                    telemetry.Publish(TelemetryEventTypes.ApprovalDecided, new ApprovalDecidedPayload(task.Id, number, true), task.Id);
                    return true;
                case ApprovalStates.Rejected:
                    telemetry.Publish(TelemetryEventTypes.ApprovalDecided, new ApprovalDecidedPayload(task.Id, number, false, "rejected"), task.Id);
                    await FinishAsync(task, owner, TaskStatuses.Rejected, $"approval for iteration {number} rejected", null, cancellationToken);
                    return false;
                case null when !requested:
                    await store.SetApprovalPendingAsync(owner, task.Id, cancellationToken);
                    telemetry.Publish(TelemetryEventTypes.ApprovalRequested, new ApprovalRequestedPayload(task.Id, number, settings.ApprovalTimeoutS), task.Id);
                    requested = true;
                    break;
                default:
                    requested = true;
                    break;
            }

            if (time.GetUtcNow() >= deadline)
            {
                telemetry.Publish(TelemetryEventTypes.ApprovalDecided, new ApprovalDecidedPayload(task.Id, number, false, "timeout"), task.Id);
                await FinishAsync(task, owner, TaskStatuses.Rejected,
                    string.Create(CultureInfo.InvariantCulture, $"approval for iteration {number} timed out after {settings.ApprovalTimeoutS} s"), null, cancellationToken);
                return false;
            }

            await Task.Delay(poll, time, cancellationToken);
        }
    }

    /// <summary>Commits (or rolls back) a git workspace; null when done or not a repository, else what failed.</summary>
    private async Task<string?> CheckpointAsync(TaskRecord task, int number, int exitCode, bool failed, CancellationToken cancellationToken)
    {
        if (!GitCheckpoints.IsRepository(task.Workspace))
        {
            return null;
        }

        var environment = children.ForGit(task.Id);
        return failed && options.Value.RollbackFailedIterations
            ? await GitCheckpoints.RollbackAsync(task.Workspace, environment, cancellationToken)
            : await GitCheckpoints.CommitAsync(task.Workspace, environment, task.Id, number, exitCode, cancellationToken);
    }

    private async Task FinishAsync(TaskRecord task, string owner, string status, string reason, string? error, CancellationToken cancellationToken)
    {
        if (!await store.FinishAsync(owner, task, status, reason, error, cancellationToken))
        {
            LogLeaseLost(logger, task.Id, task.Iteration);
            return;
        }

        children.Release(task.Id);
        var duration = time.GetUtcNow() - (task.StartedAt ?? task.CreatedAt);
        telemetry.TaskFinished(task.Backend, status, duration);
        if (status == TaskStatuses.Stopped)
        {
            telemetry.Publish(TelemetryEventTypes.TaskStopped, new TaskStoppedPayload(task.Id, task.Iteration, task.Backend), task.Id);
        }

        var settings = await settingsStore.CurrentAsync(CancellationToken.None);
        // The final answer is what the learning pipeline turns into a pattern (with the prompt); hashed under the privacy setting.
        var last = (await store.LastIterationsAsync(task.Id, 1, CancellationToken.None)).FirstOrDefault();
        telemetry.Publish(TelemetryEventTypes.TaskCompleted, new TaskCompletedPayload(
            task.Id, status, reason, task.Iteration, task.IterationMode,
            task.IterationMode == IterationModes.Adaptive ? task.MaxIterations : null, duration.TotalSeconds,
            new TaskCompletedSummary(
                RalphTelemetry.Protect(task.Prompt, settings.HashContent),
                last is null ? null : RalphTelemetry.Protect(last.Output, settings.HashContent),
                task.Backend, task.TaskType, task.Complexity, task.MaxIterations, task.ExitBlocks, task.TokensUsed, error)), task.Id);
        LogFinished(logger, task.Id, status, reason, task.Iteration);
    }

    private static Activity? StartActivity(TaskRecord task)
    {
        ActivityContext parent = default;
        if (task.TraceId is { Length: 32 } traceId)
        {
            parent = new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        }

        var activity = RalphTelemetry.ActivitySource.StartActivity("ralph.task", ActivityKind.Internal, parent);
        activity?.SetTag("ralph.task_id", task.Id);
        activity?.SetTag("ralph.backend", task.Backend);
        return activity;
    }

    private static string Cut(string text) => text.Length <= 2000 ? text : text[^2000..];

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} ended {Status} after {Iterations} iterations: {Reason}")]
    private static partial void LogFinished(ILogger logger, string taskId, string status, string reason, int iterations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: lease lost at iteration {Iteration}; another replica owns it now")]
    private static partial void LogLeaseLost(ILogger logger, string taskId, int iteration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} left running at iteration {Iteration} for resumption")]
    private static partial void LogLeftForResume(ILogger logger, string taskId, int iteration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: database failure; the task is left to resume")]
    private static partial void LogDatabaseTrouble(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId} failed inside Ralph")]
    private static partial void LogTaskError(ILogger logger, Exception exception, string taskId);
}
