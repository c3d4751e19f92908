using System.Diagnostics.Metrics;

namespace AiStack.Learning.Diagnostics;

/// <summary>
/// The service's metrics (Meter <see cref="Name"/>): events processed, patterns extracted, errors by type, and the gauges the
/// pipeline refreshes after each run (dataset size, processing lag, paused).
/// </summary>
public sealed class LearningMetrics
{
    public const string Name = "AiStack.Learning";

    private readonly Counter<long> _eventsProcessed;
    private readonly Counter<long> _patternsExtracted;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _quarantined;
    private long _deadLetters;
    private long _datasetBytes;
    private double _lagSeconds;
    private long _backlogEvents;
    private int _paused;

    public LearningMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _eventsProcessed = meter.CreateCounter<long>("learning_events_processed", description: "Events processed by the pipeline (each exactly once).");
        _patternsExtracted = meter.CreateCounter<long>("learning_patterns_extracted", description: "New patterns stored.");
        _errors = meter.CreateCounter<long>("learning_errors", description: "Errors by type (processing, tail, knowledgebase, ralph, corrupt_line).");
        _quarantined = meter.CreateCounter<long>("learning_events_quarantined", description: "Events moved to dead_letters after failing Learning:MaxAttempts times.");
        meter.CreateObservableGauge("learning_dead_letters", () => Interlocked.Read(ref _deadLetters), description: "Quarantined events waiting for a replay.");
        meter.CreateObservableGauge("learning_dataset_size_bytes", () => Interlocked.Read(ref _datasetBytes), description: "Size of the fine-tuning dataset file.");
        meter.CreateObservableGauge("learning_lag_seconds", () => Volatile.Read(ref _lagSeconds), description: "Age of the oldest unprocessed event.");
        meter.CreateObservableGauge("learning_backlog_events", () => Interlocked.Read(ref _backlogEvents), description: "Unprocessed events.");
        meter.CreateObservableGauge("learning_paused", () => Volatile.Read(ref _paused), description: "1 while backpressure pauses learning.");
    }

    public void EventsProcessed(long count) => _eventsProcessed.Add(count);

    public void PatternsExtracted(long count) => _patternsExtracted.Add(count);

    public void Error(string type, long count = 1) => _errors.Add(count, new KeyValuePair<string, object?>("type", type));

    public void Quarantined() => _quarantined.Add(1);

    public void DeadLetters(long quarantined) => Interlocked.Exchange(ref _deadLetters, quarantined);

    public void DatasetSize(long bytes) => Interlocked.Exchange(ref _datasetBytes, bytes);

    public void Backlog(long events, TimeSpan lag, bool paused)
    {
        Interlocked.Exchange(ref _backlogEvents, events);
        Volatile.Write(ref _lagSeconds, lag.TotalSeconds);
        Volatile.Write(ref _paused, paused ? 1 : 0);
    }
}
