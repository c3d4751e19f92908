using System.Diagnostics;
using System.Diagnostics.Metrics;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;

namespace AiStack.Ralph.Telemetry;

/// <summary>Ralph's meter (<c>AiStack.Ralph</c>), activity source and telemetry events (with the privacy switch).</summary>
public sealed class RalphTelemetry
{
    public const string Name = "AiStack.Ralph";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly ITelemetryEvents _events;
    private readonly Counter<long> _tasks;
    private readonly Counter<long> _iterations;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _exitBlocks;
    private readonly Counter<long> _checkpointFailures;
    private int _active;
    private volatile bool _loopEnabled = true;

    public RalphTelemetry(IMeterFactory meterFactory, ITelemetryEvents events)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _events = events;
        var meter = meterFactory.Create(Name);
        _tasks = meter.CreateCounter<long>("ralph_tasks", description: "Finished tasks by backend and final status.");
        _iterations = meter.CreateCounter<long>("ralph_iterations", description: "Iterations run, by backend.");
        _duration = meter.CreateHistogram<double>("ralph_task_duration", unit: "s", description: "Wall time of finished tasks, by backend.");
        _exitBlocks = meter.CreateCounter<long>("ralph_exit_blocks", description: "Iterations whose exit code 2 blocked a premature exit.");
        _checkpointFailures = meter.CreateCounter<long>("ralph_checkpoint_failures", description: "Iterations whose git checkpoint failed or whose workspace was refused; each ends its task.");
        meter.CreateObservableGauge("ralph_active_tasks", () => Volatile.Read(ref _active), description: "Tasks this replica is running now.");
        meter.CreateObservableGauge("ralph_loop_enabled", () => _loopEnabled ? 1 : 0, description: "1 while the loop claims tasks.");
    }

    public int ActiveTasks => Volatile.Read(ref _active);

    public bool LoopEnabled
    {
        get => _loopEnabled;
        set => _loopEnabled = value;
    }

    public void TaskStarted() => Interlocked.Increment(ref _active);

    public void TaskLeft() => Interlocked.Decrement(ref _active);

    public void TaskFinished(string backend, string status, TimeSpan duration)
    {
        _tasks.Add(1, new("backend", backend), new("status", status));
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("backend", backend));
    }

    public void IterationRan(string backend) => _iterations.Add(1, new KeyValuePair<string, object?>("backend", backend));

    public void ExitBlocked() => _exitBlocks.Add(1);

    public void CheckpointFailed() => _checkpointFailures.Add(1);

    public void Publish(string type, object payload, string? taskId) => _events.Publish(type, payload, taskId);

    /// <summary>The text itself, or its SHA-256 (hex, prefixed) when the privacy setting is on.</summary>
    public static string Protect(string text, bool hash) => hash ? ContentHash.Of(text) : text;
}
