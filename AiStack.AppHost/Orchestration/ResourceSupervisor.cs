using AiStack.AppHost.Launching;
using AiStack.AppHost.Logs;
using AiStack.AppHost.Model;
using Microsoft.Extensions.Logging;

namespace AiStack.AppHost.Orchestration;

/// <summary>
/// Keeps one resource running: starts it and waits (bounded) until it is ready, restarts it with backoff when it crashes, reports a
/// crash loop and pauses, checks its readiness while it runs, and stops it cleanly. Its output goes to the console and a ring buffer.
/// </summary>
public sealed class ResourceSupervisor
{
    private const int LinesInFailureMessage = 15;
    private readonly IResourceLauncher _launcher;
    private readonly RestartPolicy _policy;
    private readonly SupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly ResourceConsole _console;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Lock _gate = new();
    private CancellationTokenSource _run = new();
    private RunningProcess? _process;
    private ResourceState _state = ResourceState.Pending;
    private DateTimeOffset? _startedAt;
    private int? _exitCode;
    private int _restartCount;
    private bool _stopping;

    public ResourceSupervisor(
        Resource resource,
        IResourceLauncher launcher,
        SupervisorOptions options,
        TimeProvider time,
        ResourceConsole console,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Resource = resource;
        _launcher = launcher;
        _options = options;
        _time = time;
        _console = console;
        _logger = logger;
        _policy = new RestartPolicy(time, options.Restart);
        _console.Register(resource.Name);
    }

    public Resource Resource { get; }

    /// <summary>Where its pid is recorded for the next AppHost, should this one die without stopping it.</summary>
    public LeftoverProcesses? PidRecord { get; init; }

    /// <summary>What this resource waits for in this run (waits on resources the run leaves out are dropped).</summary>
    public IReadOnlyList<string> WaitsFor { get; init; } = [];

    public string Name => Resource.Name;

    public LogRing Logs { get; } = new();

    public ResourceState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public int? Pid
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } p ? p.Pid : null;
            }
        }
    }

    public ResourceSnapshot Snapshot(int logTail = 50, int errorTail = 20)
    {
        lock (_gate)
        {
            var port = (Resource as IResourceWithPort)?.Port;
            var url = Resource is IResourceWithEndpoint endpoint ? endpoint.Url.ToString().TrimEnd('/') : null;
            return new ResourceSnapshot(
                Name, Resource.Kind, _state, _process is { HasExited: false } p ? p.Pid : null, port, url, _restartCount, _startedAt, _exitCode,
                WaitsFor, Logs.Lines(logTail), Logs.Errors(errorTail));
        }
    }

    internal void MarkPending() => SetState(ResourceState.Pending);

    /// <summary>Starts the resource and returns once it is ready; throws <see cref="ResourceStartException"/> otherwise.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            lock (_gate)
            {
                _stopping = false;
            }

            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>A restart by hand: stop, forget past crashes (ending a crash loop), start again.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        _policy.Reset();
        lock (_gate)
        {
            _restartCount++;
        }

        await StartAsync(cancellationToken);
    }

    /// <summary>Stops the resource (SIGTERM, grace period, then kill) and any restart that was pending.</summary>
    public async Task StopAsync()
    {
        CancellationTokenSource run;
        lock (_gate)
        {
            _stopping = true;
            run = _run;
        }

        await run.CancelAsync();
        await _lifecycle.WaitAsync();
        try
        {
            RunningProcess? process;
            lock (_gate)
            {
                process = _process;
            }

            if (process is not null && !process.HasExited)
            {
                _logger.LogInformation("Stopping {Resource} (pid {Pid})", Name, process.Pid);
                await _launcher.StopAsync(process, _options.StopGracePeriod);
            }

            lock (_gate)
            {
                if (process is not null && process.HasExited)
                {
                    _exitCode = process.Exited.Result;
                }

                _state = ResourceState.Stopped;
            }

            PidRecord?.Forget(Name);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var run = new CancellationTokenSource();
        lock (_gate)
        {
            // Not disposed: a stop may still hold the previous one; it has no timer, so nothing leaks.
            _run = run;
            if (_stopping)
            {
                run.Cancel();
            }

            _state = ResourceState.Starting;
        }

        using var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, run.Token);
        RunningProcess process;
        try
        {
            process = await _launcher.StartAsync(OnLine, starting.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SetState(ResourceState.Failed);
            var lastLines = LastLines().ToList();
            OnLine(ex.Message.Trim(), true);
            throw new ResourceStartException(Name, "could not be started: " + ex.Message.Trim(), lastLines);
        }

        lock (_gate)
        {
            _process = process;
            _startedAt = _time.GetUtcNow();
            _state = ResourceState.Running;
        }

        _logger.LogInformation("Started {Resource} (pid {Pid})", Name, process.Pid);
        PidRecord?.Record(Name, process.Pid);
        _ = WatchAsync(process, run.Token);

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(starting.Token);
        bounded.CancelAfter(_options.ReadyTimeout);
        var ready = _launcher.WaitUntilReadyAsync(process, bounded.Token);
        if (await Task.WhenAny(ready, process.Exited) == process.Exited && !ready.IsCompletedSuccessfully)
        {
            await bounded.CancelAsync();
            await ready.ContinueWith(_ => { }, TaskScheduler.Default);
            throw new ResourceStartException(Name, $"exited with code {process.Exited.Result} before it was ready", LastLines());
        }

        try
        {
            await ready;
        }
        catch (OperationCanceledException) when (!starting.IsCancellationRequested)
        {
            throw new ResourceStartException(
                Name, $"did not become ready within {_options.ReadyTimeout.TotalSeconds:0} s ({_launcher.ReadinessDescription})", LastLines());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ResourceStartException(Name, "did not become ready: " + ex.Message, LastLines());
        }

        SetState(ResourceState.Ready);
        _logger.LogInformation("{Resource} is ready", Name);
        _ = MonitorAsync(process, run.Token);
    }

    /// <summary>Waits for the process to end; an exit the AppHost did not ask for is a crash.</summary>
    private async Task WatchAsync(RunningProcess process, CancellationToken runToken)
    {
        var exitCode = await process.Exited;
        if (IsStopping || runToken.IsCancellationRequested)
        {
            return;
        }

        lock (_gate)
        {
            _exitCode = exitCode;
            _state = ResourceState.Exited;
        }

        var decision = _policy.RecordCrash();
        if (decision.IsCrashLoop)
        {
            SetState(ResourceState.CrashLoop);
            var message = $"{Name} crashed {decision.CrashesInWindow} times within {_options.Restart.CrashLoopWindow.TotalSeconds:0} s " +
                          "(crash loop): restarts paused; restart it through the control API once fixed";
            OnLine(message, true);
            _logger.LogError("{Message}", message);
            return;
        }

        OnLine($"exited with code {exitCode}; restarting in {decision.Delay.TotalSeconds:0.#} s", true);
        _logger.LogWarning("{Resource} exited with code {ExitCode}; restarting in {Delay}", Name, exitCode, decision.Delay);
        try
        {
            await Task.Delay(decision.Delay, _time, runToken);
            await _lifecycle.WaitAsync(runToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (IsStopping || runToken.IsCancellationRequested)
            {
                return;
            }

            lock (_gate)
            {
                _restartCount++;
            }

            await StartCoreAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            // Stopped while restarting.
        }
        catch (ResourceStartException ex)
        {
            _logger.LogError("Restart failed: {Message}", ex.Message);
            RunningProcess? current;
            lock (_gate)
            {
                current = _process;
            }

            // Still running but not ready in time: keep watching; the monitor turns it Ready once it answers.
            if (current is { HasExited: false } && !ReferenceEquals(current, process))
            {
                SetState(ResourceState.Unhealthy);
                _ = MonitorAsync(current, _run.Token);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Re-checks readiness while the process runs: Ready and Unhealthy follow the probe.</summary>
    private async Task MonitorAsync(RunningProcess process, CancellationToken runToken)
    {
        using var timer = new PeriodicTimer(_options.HealthCheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(runToken) && !process.HasExited)
            {
                var ready = await _launcher.ProbeAsync(runToken);
                ResourceState? changed = null;
                lock (_gate)
                {
                    if (!ReferenceEquals(_process, process) || process.HasExited)
                    {
                        return;
                    }

                    if (ready && _state == ResourceState.Unhealthy)
                    {
                        changed = _state = ResourceState.Ready;
                    }
                    else if (!ready && _state == ResourceState.Ready)
                    {
                        changed = _state = ResourceState.Unhealthy;
                    }
                }

                if (changed == ResourceState.Unhealthy)
                {
                    _logger.LogWarning("{Resource} is unhealthy ({Probe} fails)", Name, _launcher.ReadinessDescription);
                }
                else if (changed == ResourceState.Ready)
                {
                    _logger.LogInformation("{Resource} is ready again", Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped or restarted: a new monitor belongs to the new process.
        }
    }

    private void OnLine(string line, bool isError)
    {
        var entry = new LogEntry(_time.GetUtcNow(), line, isError);
        Logs.Add(entry);
        _console.Write(Name, entry);
    }

    private IEnumerable<string> LastLines() => Logs.Lines(LinesInFailureMessage).Select(e => e.Text);

    private bool IsStopping
    {
        get
        {
            lock (_gate)
            {
                return _stopping;
            }
        }
    }

    private void SetState(ResourceState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }
}
