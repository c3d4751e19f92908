using AiStack.AppHost.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.AppHost.Supervision;

/// <summary>
/// What Aspire lacks in development: a supervised resource that crashes is started again after a backoff, one that keeps
/// crashing is put in a crash loop (state and reason shown in the dashboard) until it is restarted by hand, and its recent output
/// is kept for the control API. Built on Aspire's notification, command and logger services: DCP still runs every process.
/// </summary>
public sealed partial class ResourceSupervisor : BackgroundService
{
    private readonly ResourceNotificationService _notifications;
    private readonly ResourceCommandService _commands;
    private readonly ResourceLoggerService _loggers;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly SupervisionOptions _options;
    private readonly ILogger<ResourceSupervisor> _logger;
    private readonly Dictionary<string, SupervisedResource> _byName;

    public ResourceSupervisor(
        DistributedApplicationModel model,
        ResourceNotificationService notifications,
        ResourceCommandService commands,
        ResourceLoggerService loggers,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        IOptions<SupervisionOptions> options,
        ILogger<ResourceSupervisor> logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _notifications = notifications;
        _commands = commands;
        _loggers = loggers;
        _time = time;
        _lifetime = lifetime;
        _options = options.Value;
        _logger = logger;
        Resources = model.Resources
            .Select(r => (Resource: r, Annotation: r.Annotations.OfType<SupervisedAnnotation>().FirstOrDefault()))
            .Where(r => r.Annotation is not null)
            .Select(r => new SupervisedResource(r.Resource, r.Annotation!, new RestartPolicy(time, _options.Restart)))
            .ToList();
        _byName = Resources.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every supervised resource, in declaration (dependency) order.</summary>
    public IReadOnlyList<SupervisedResource> Resources { get; }

    public SupervisedResource? Find(string name) => _byName.GetValueOrDefault(name);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logReaders = Resources.Select(r => CollectLogsAsync(r, stoppingToken)).ToList();
        try
        {
            await foreach (var resourceEvent in _notifications.WatchAsync(stoppingToken))
            {
                if (!_byName.TryGetValue(resourceEvent.Resource.Name, out var supervised) || supervised.Resource != resourceEvent.Resource)
                {
                    continue;
                }

                var snapshot = resourceEvent.Snapshot;
                LogObserved(resourceEvent.ResourceId, snapshot.State?.Text, snapshot.HealthStatus?.ToString(), snapshot.ExitCode);
                if (supervised.Observe(resourceEvent) && !_lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    _ = RestartAfterCrashAsync(supervised, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(logReaders);
    }

    /// <summary>
    /// Restart by hand (the control API): ends a crash loop, restarts the resource (or starts it when it had ended), and waits until
    /// it is healthy again. Throws <see cref="ResourceRestartException"/> when it is not healthy within the ready timeout.
    /// </summary>
    public async Task RestartAsync(SupervisedResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var previousStart = resource.Latest?.Snapshot.StartTimeStamp;
        await StopAsync(resource, cancellationToken);
        await StartAsync(resource, previousStart, cancellationToken);
    }

    /// <summary>
    /// Every resource: all stopped at once, then started one after another in dependency order, each healthy before the next
    /// (a dependent started beside a dependency that is still down would give up waiting for it).
    /// </summary>
    public async Task RestartAllAsync(CancellationToken cancellationToken)
    {
        var previousStarts = Resources.ToDictionary(r => r, r => r.Latest?.Snapshot.StartTimeStamp);
        await Task.WhenAll(Resources.Select(r => StopAsync(r, cancellationToken)));
        foreach (var resource in Resources)
        {
            await StartAsync(resource, previousStarts[resource], cancellationToken);
        }
    }

    private async Task StopAsync(SupervisedResource resource, CancellationToken cancellationToken)
    {
        resource.ExpectRestart(byHand: true);
        await ClearCrashLoopAsync(resource);
        LogRestartByHand(resource.Name);
        if (!resource.IsStopped && Control.ResourceSnapshots.ProcessOf(resource) is { } pid)
        {
            // The process is asked to stop with its own clean-stop signal, and DCP sees it end. (Aspire's stop command gives up after
            // a few seconds on a busy machine while a service is still shutting down, and leaves the resource in state Unknown.)
            NativeSignals.Send(pid, (int)resource.Annotation.StopSignal);
            try
            {
                await WaitAsync(() => resource.IsStopped, TimeSpan.FromSeconds(30), cancellationToken, () => "");
            }
            catch (ResourceRestartException)
            {
                NativeSignals.Send(pid, (int)PosixSignalNumber.Kill);
                await WaitAsync(() => resource.IsStopped, TimeSpan.FromSeconds(30), cancellationToken,
                    () => $"{resource.Name} (pid {pid}) did not stop; its state is {resource.Latest?.Snapshot.State?.Text}");
            }
        }
    }

    private async Task StartAsync(SupervisedResource resource, DateTime? previousStart, CancellationToken cancellationToken)
    {

        var result = await _commands.ExecuteCommandAsync(resource.Resource, KnownResourceCommands.StartCommand, cancellationToken);
        if (!result.Success)
        {
            throw new ResourceRestartException($"{resource.Name} could not be started again: {result.Message}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ReadyTimeout);
        try
        {
            while (!(resource.IsReady && resource.Latest?.Snapshot.StartTimeStamp != previousStart))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var lines = string.Join('\n', resource.Logs.Lines(10).Select(l => l.Text));
            throw new ResourceRestartException(
                $"{resource.Name} was not healthy within {_options.ReadyTimeout.TotalSeconds:0} s after its restart; its last lines:\n{lines}");
        }
    }

    private async Task WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken, Func<string> failure)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (!condition())
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ResourceRestartException(failure());
        }
    }

    private async Task RestartAfterCrashAsync(SupervisedResource resource, CancellationToken stoppingToken)
    {
        try
        {
            var decision = resource.RecordCrash();
            // In the resource's own console log too, where the dashboard and the control API's recent errors show it.
            _loggers.GetLogger(resource.Resource).LogError("{Prefix}{Reason}", SupervisedResource.SupervisorPrefix, resource.StateReason);
            if (decision.IsCrashLoop)
            {
                LogCrashLoop(resource.Name, decision.CrashesInWindow);
                await _notifications.PublishUpdateAsync(resource.Resource, s => s with
                {
                    State = new ResourceStateSnapshot(SupervisedResource.CrashLoopState, KnownResourceStateStyles.Error),
                    Properties = WithReason(s, resource.StateReason),
                });
                return;
            }

            LogCrash(resource.Name, resource.Latest?.Snapshot.ExitCode, decision.Delay.TotalSeconds);
            await _notifications.PublishUpdateAsync(resource.Resource, s => s with { Properties = WithReason(s, resource.StateReason) });
            await Task.Delay(decision.Delay, _time, stoppingToken);
            if (!resource.IsTerminal || resource.IsCrashLoop)
            {
                return;
            }

            resource.ExpectRestart(byHand: false);
            var result = await _commands.ExecuteCommandAsync(resource.Resource, KnownResourceCommands.StartCommand, stoppingToken);
            if (!result.Success)
            {
                resource.RestartFailed($"restart failed: {result.Message}");
                LogRestartFailed(resource.Name, result.Message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ClearCrashLoopAsync(SupervisedResource resource)
    {
        if (resource.Latest?.Snapshot.State?.Text == SupervisedResource.CrashLoopState)
        {
            await _notifications.PublishUpdateAsync(resource.Resource, s => s with
            {
                State = new ResourceStateSnapshot(KnownResourceStates.Exited, KnownResourceStateStyles.Info),
                Properties = WithReason(s, null),
            });
        }
    }

    private async Task CollectLogsAsync(SupervisedResource resource, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in _loggers.WatchAsync(resource.Resource).WithCancellation(stoppingToken))
            {
                var now = _time.GetUtcNow();
                foreach (var line in batch)
                {
                    resource.AddLog(line, now);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private const string ReasonProperty = "aistack.state_reason";

    /// <summary>The supervisor's reason, as a property the dashboard shows beside the state.</summary>
    private static System.Collections.Immutable.ImmutableArray<ResourcePropertySnapshot> WithReason(CustomResourceSnapshot snapshot, string? reason)
    {
        var properties = snapshot.Properties.RemoveAll(p => p.Name == ReasonProperty);
        return reason is null
            ? properties
            : properties.Add(new ResourcePropertySnapshot(ReasonProperty, reason) { DisplayName = "Supervisor", IsHighlighted = true });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode}; restarting it in {DelaySeconds} s")]
    private partial void LogCrash(string resource, int? exitCode, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} crashed {Crashes} times in a row: crash loop, restarts paused until it is restarted by hand")]
    private partial void LogCrashLoop(string resource, int crashes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} could not be restarted: {Error}")]
    private partial void LogRestartFailed(string resource, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ResourceId}: {State}, health {Health}, exit code {ExitCode}")]
    private partial void LogObserved(string resourceId, string? state, string? health, int? exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} restarted by hand")]
    private partial void LogRestartByHand(string resource);
}

/// <summary>A restart by hand that did not bring the resource back healthy; the message says why.</summary>
public sealed class ResourceRestartException : Exception
{
    public ResourceRestartException(string message)
        : base(message)
    {
    }

    public ResourceRestartException()
    {
    }

    public ResourceRestartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
