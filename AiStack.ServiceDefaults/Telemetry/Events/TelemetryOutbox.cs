using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// <see cref="ITelemetryEvents"/> as an outbox: each event is stamped (id, time, source, trace id) and appended to the service's
/// spool at once; <see cref="TelemetryShipper"/> delivers it later. Past the spool's size cap events are dropped and counted,
/// so a long Learning outage costs telemetry, never the service.
/// </summary>
public sealed class TelemetryOutbox : ITelemetryEvents, IDisposable
{
    private readonly ServiceIdentity _identity;
    private readonly TimeProvider _time;
    private readonly TelemetryOutboxOptions _options;
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Lazy<TelemetrySpool> _spool;
    private readonly string _spoolDirectory;

    public TelemetryOutbox(ServiceIdentity identity, TimeProvider time, IOptions<TelemetryOutboxOptions> options, IMeterFactory meters)
    {
        _identity = identity;
        _time = time;
        _options = options.Value;
        // Opened on first use: a service that never publishes never creates a spool file.
        _spoolDirectory = _options.SpoolDirectory ?? Path.Combine(AiStackPaths.Home, "spool");
        _spool = new Lazy<TelemetrySpool>(() => new TelemetrySpool(_spoolDirectory, identity.Name));
        DeadLetters = new TelemetryDeadLetterFile(Path.Combine(_spoolDirectory, identity.Name + ".jsonl"));
        var meter = meters.Create("AiStack.Telemetry");
        _published = meter.CreateCounter<long>("aistack_telemetry_events_published", description: "Telemetry events written to the outbox.");
        _dropped = meter.CreateCounter<long>("aistack_telemetry_events_dropped", description: "Telemetry events dropped because the outbox was full.");
        meter.CreateObservableGauge("aistack_telemetry_spool_pending", () => PendingBytes,
            unit: "By", description: "Telemetry bytes waiting in the outbox for delivery.");
    }

    public TelemetrySpool Spool => _spool.Value;

    /// <summary>Where events that the receiver refused for good are kept, beside the spool.</summary>
    public TelemetryDeadLetterFile DeadLetters { get; }

    /// <summary>Whether there may be something to deliver: this process wrote events, or an earlier one left a spool behind.</summary>
    public bool MayHavePending => _spool.IsValueCreated ? _spool.Value.PendingBytes > 0 : File.Exists(Path.Combine(_spoolDirectory, _identity.Name + ".jsonl"));

    /// <summary>Undelivered bytes, without opening a spool that nothing has written to yet.</summary>
    public long PendingBytes => _spool.IsValueCreated ? _spool.Value.PendingBytes : 0;

    public void Publish(string type, object payload, string? taskId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(payload);
        if (Spool.PendingBytes >= _options.MaxSpoolBytes)
        {
            _dropped.Add(1, new KeyValuePair<string, object?>("type", type));
            return;
        }

        var body = payload as JsonObject ?? JsonSerializer.SerializeToNode(payload, TelemetryEvent.Json) as JsonObject
            ?? throw new ArgumentException("A telemetry payload must serialize to a JSON object.", nameof(payload));
        var now = _time.GetUtcNow();
        var telemetryEvent = new TelemetryEvent(Guid.CreateVersion7(now).ToString(), now, _identity.Name, type,
            Activity.Current?.TraceId.ToHexString(), taskId, body);
        Spool.Append(JsonSerializer.Serialize(telemetryEvent, TelemetryEvent.Json));
        _published.Add(1, new KeyValuePair<string, object?>("type", type));
    }

    public void Dispose()
    {
        if (_spool.IsValueCreated)
        {
            _spool.Value.Dispose();
        }
    }
}
