using System.Collections.Concurrent;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Settings;
using AiStack.Ralph.Tasks;
using AiStack.Ralph.Telemetry;
using AiStack.ServiceDefaults.Hosting;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Loop;

/// <summary>
/// The loop: claims tasks up to the replica's concurrency, runs each with a <see cref="TaskRunner"/>, and keeps the claims alive
/// with a heartbeat that also carries stop requests made through any replica.
/// </summary>
public sealed partial class RalphLoop(
    TaskStore store,
    SettingsStore settingsStore,
    TaskRunner runner,
    LoopSignal signal,
    RalphTelemetry telemetry,
    Database database,
    ReplicaIdentity replica,
    IOptions<RalphOptions> options,
    TimeProvider time,
    ILogger<RalphLoop> logger) : BackgroundService
{
    private static readonly TimeSpan MaxClaimRetry = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, TaskCancellation> _running = new(StringComparer.Ordinal);

    public bool IsRunning { get; private set; }

    public int RunningHere => _running.Count;

    /// <summary>Stops a task this replica runs, at once; false when it runs elsewhere (its replica sees the request at its heartbeat).</summary>
    public bool StopLocal(string taskId)
    {
        if (_running.TryGetValue(taskId, out var cancellation))
        {
            cancellation.RequestStop();
            return true;
        }

        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var lease = TimeSpan.FromSeconds(settings.LeaseSeconds);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            try
            {
                // One replica per SQLite file: whatever was running belonged to our previous life.
                var released = await store.ReleaseAllLeasesAsync(stoppingToken);
                if (released > 0)
                {
                    LogResuming(logger, released);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not fatal: those leases expire by themselves and their tasks are claimed again then.
                LogClaimFailed(logger, e);
            }
        }

        IsRunning = true;
        using var slots = new SemaphoreSlim(settings.Concurrency, settings.Concurrency);
        var heartbeat = HeartbeatAsync(lease, stoppingToken);
        var poll = TimeSpan.FromMilliseconds(settings.PollMilliseconds);
        var claimBackoff = new RetryBackoff(MaxClaimRetry);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var live = await CurrentSettingsAsync(stoppingToken);
                telemetry.LoopEnabled = live.LoopEnabled;
                if (!live.LoopEnabled)
                {
                    await signal.WaitAsync(poll, stoppingToken);
                    continue;
                }

                await slots.WaitAsync(stoppingToken);
                TaskRecord? task;
                try
                {
                    task = await store.ClaimAsync(replica.Id, lease, stoppingToken);
                    claimBackoff.Succeeded();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    slots.Release();
                    LogClaimFailed(logger, e);
                    await Task.Delay(claimBackoff.Failed(poll), time, stoppingToken);
                    continue;
                }

                if (task is null)
                {
                    slots.Release();
                    await signal.WaitAsync(poll, stoppingToken);
                    continue;
                }

                var cancellation = new TaskCancellation(stoppingToken);
                _running[task.Id] = cancellation;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await runner.RunAsync(task, replica.Id, cancellation);
                        await ReleaseIfUnfinishedAsync(task.Id);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        LogRunnerFailed(logger, e, task.Id);
                    }
                    finally
                    {
                        _running.TryRemove(task.Id, out _);
                        slots.Release();
                        signal.Wake();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            IsRunning = false;
            // Let the runners notice the shutdown, then hand our claims back so a restart resumes them at once.
            for (var i = 0; i < settings.Concurrency; i++)
            {
                await slots.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }

            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>A runner that ended without a final state (shutdown, database trouble) hands its task back for an immediate resume.</summary>
    private async Task ReleaseIfUnfinishedAsync(string taskId)
    {
        try
        {
            await store.ReleaseLeaseAsync(replica.Id, taskId, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease then simply expires.
            LogRunnerFailed(logger, e, taskId);
        }
    }

    private async Task<RalphSettings> CurrentSettingsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await settingsStore.CurrentAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogClaimFailed(logger, e);
            return new RalphSettings { LoopEnabled = false };
        }
    }

    private async Task HeartbeatAsync(TimeSpan lease, CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromTicks(Math.Max(lease.Ticks / 3, TimeSpan.FromMilliseconds(50).Ticks));
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var id in await store.HeartbeatAsync(replica.Id, _running.Keys.ToList(), lease, stoppingToken))
                {
                    StopLocal(id);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHeartbeatFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming {Count} tasks that were running when Ralph last stopped")]
    private static partial void LogResuming(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim a task; retrying")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run of task {TaskId} ended abnormally; its lease is released or expires")]
    private static partial void LogRunnerFailed(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease heartbeat failed; retrying")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);
}

/// <summary>This replica's name in leases and iteration records.</summary>
public sealed class ReplicaIdentity(IOptions<RalphOptions> options)
{
    public string Id { get; } = options.Value.ReplicaId is { Length: > 0 } configured
        ? configured
        : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}
