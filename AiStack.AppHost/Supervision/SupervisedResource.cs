using AiStack.Contracts.Stack;

namespace AiStack.AppHost.Supervision;

/// <summary>
/// What the AppHost knows about one supervised resource beyond Aspire's snapshot: restarts, crash history, whether it was ready
/// before, why it is in its state, and its recent output.
/// </summary>
public sealed class SupervisedResource
{
    private static readonly string[] Terminal =
        [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart, CrashLoopState];

    private readonly Lock _gate = new();
    private string? _lastState;
    private bool _stopRequested;
    private DateTime? _healthyNotBefore;

    public const string CrashLoopState = "CrashLoop";

    /// <summary>Marks the supervisor's own lines in a resource's console log.</summary>
    public const string SupervisorPrefix = "[aistack] ";

    public SupervisedResource(IResource resource, SupervisedAnnotation annotation, RestartPolicy policy)
    {
        Resource = resource;
        Annotation = annotation;
        Policy = policy;
    }

    public IResource Resource { get; }

    public string Name => Resource.Name;

    public SupervisedAnnotation Annotation { get; }

    public RestartPolicy Policy { get; }

    public LogRing Logs { get; } = new();

    /// <summary>The latest snapshot Aspire published for it (null before the first).</summary>
    public ResourceEvent? Latest { get; private set; }

    public int RestartCount { get; private set; }

    /// <summary>The exit code of its last end, kept after it started again.</summary>
    public int? LastExitCode { get; private set; }

    public bool IsCrashLoop { get; private set; }

    public bool RestartScheduled { get; private set; }

    /// <summary>It has been healthy since it last started: a failing check now is Unhealthy, not "not ready yet".</summary>
    public bool WasReady { get; private set; }

    public string? StateReason { get; private set; }

    /// <summary>Not running: ended, stopped, or never started.</summary>
    public bool IsStopped
    {
        get
        {
            lock (_gate)
            {
                return _lastState is null || Terminal.Contains(_lastState) || _lastState == KnownResourceStates.NotStarted;
            }
        }
    }

    /// <summary>Running and its health checks pass.</summary>
    public bool IsReady => Latest?.Snapshot is { } snapshot && snapshot.State?.Text == KnownResourceStates.Running && IsHealthyNow(snapshot);

    /// <summary>
    /// Healthy by checks that ran since its process started. After a restart Aspire's snapshot keeps the previous run's Healthy
    /// until the checks run again, and may carry no report at all for a moment: taking either for ready sends callers to a port
    /// nobody listens on yet. A resource without health checks is healthy once it runs.
    /// </summary>
    public bool IsHealthyNow(CustomResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
        {
            return false;
        }

        if (snapshot.HealthReports.IsDefaultOrEmpty)
        {
            return !Resource.Annotations.OfType<HealthCheckAnnotation>().Any();
        }

        // The snapshot's start time can still be the first start's after a restart; the supervisor's own sightings of the
        // end and the new start count too.
        DateTime? startSeen;
        lock (_gate)
        {
            startSeen = _healthyNotBefore;
        }

        return snapshot.StartTimeStamp is { } started &&
               snapshot.HealthReports.All(r => r.LastRunAt is { } ran && ran >= started && (startSeen is null || ran >= startSeen));
    }

    public bool IsTerminal
    {
        get
        {
            lock (_gate)
            {
                return _lastState is not null && Terminal.Contains(_lastState);
            }
        }
    }

    /// <summary>Takes in a new snapshot; true when it says the resource crashed (ended without being asked to stop).</summary>
    public bool Observe(ResourceEvent resourceEvent)
    {
        ArgumentNullException.ThrowIfNull(resourceEvent);
        lock (_gate)
        {
            Latest = resourceEvent;
            var state = resourceEvent.Snapshot.State?.Text;
            var previous = _lastState;
            _lastState = state;
            if (state == KnownResourceStates.Stopping)
            {
                _stopRequested = true;
            }
            else if (state == KnownResourceStates.Starting)
            {
                _healthyNotBefore = DateTime.UtcNow;
                WasReady = false;
                _stopRequested = false;
            }
            else if (state == KnownResourceStates.Running && IsHealthyNow(resourceEvent.Snapshot))
            {
                WasReady = true;
                RestartScheduled = false;
                if (!IsCrashLoop)
                {
                    StateReason = null;
                }
            }

            if (state is not null && Terminal.Contains(state))
            {
                // Whatever the checks said before the process ended says nothing about the next one.
                _healthyNotBefore = DateTime.UtcNow;
            }

            var ended = state is not null && Terminal.Contains(state) && state != CrashLoopState &&
                        (previous is null || !Terminal.Contains(previous));
            if (resourceEvent.Snapshot.ExitCode is { } exitCode && state is not null && Terminal.Contains(state))
            {
                LastExitCode = exitCode;
            }
            if (!ended)
            {
                return false;
            }

            if (_stopRequested)
            {
                _stopRequested = false;
                return false;
            }

            return true;
        }
    }

    public RestartDecision RecordCrash()
    {
        lock (_gate)
        {
            var decision = Policy.RecordCrash();
            var exitCode = Latest?.Snapshot.ExitCode;
            var exit = exitCode is null ? "ended" : $"exited with code {exitCode}";
            IsCrashLoop = decision.IsCrashLoop;
            RestartScheduled = !decision.IsCrashLoop;
            StateReason = decision.IsCrashLoop
                ? $"crash loop: {decision.CrashesInWindow} crashes within {Policy.Window.TotalSeconds:0} s (last {exit}); restarts paused until a restart by hand"
                : $"{exit}; restart {decision.CrashesInWindow} in {decision.Delay.TotalSeconds:0.#} s";
            return decision;
        }
    }

    /// <summary>A restart is about to be asked for (by the supervisor or by hand): its stop is not a crash.</summary>
    public void ExpectRestart(bool byHand)
    {
        lock (_gate)
        {
            // A running resource is stopped first; that exit is not a crash. An ended one is only started again.
            _stopRequested = _lastState is null || !Terminal.Contains(_lastState);
            RestartCount++;
            if (byHand)
            {
                Policy.Reset();
                IsCrashLoop = false;
                RestartScheduled = false;
                StateReason = null;
            }
        }
    }

    /// <summary>A restart that could not be asked for: the resource stays down with the reason.</summary>
    public void RestartFailed(string reason)
    {
        lock (_gate)
        {
            RestartScheduled = false;
            StateReason = reason;
        }
    }

    public void AddLog(LogLine line, DateTimeOffset now)
    {
        var (timestamp, text) = SplitTimestamp(line.Content, now);
        var fromSupervisor = line.IsErrorMessage && text.StartsWith(SupervisorPrefix, StringComparison.Ordinal);
        Logs.Add(new LogEntry(timestamp, text, fromSupervisor || Annotation.IsError(text, line.IsErrorMessage)));
    }

    /// <summary>DCP prefixes each line with its RFC 3339 time; that becomes the entry's timestamp.</summary>
    private static (DateTimeOffset Timestamp, string Text) SplitTimestamp(string content, DateTimeOffset now)
    {
        var space = content.IndexOf(' ', StringComparison.Ordinal);
        if (space is >= 20 and <= 40 && char.IsAsciiDigit(content[0]) &&
            DateTimeOffset.TryParse(content.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return (parsed, content[(space + 1)..]);
        }

        return (now, content);
    }
}
