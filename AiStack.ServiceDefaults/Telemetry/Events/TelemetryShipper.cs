using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// Delivers the outbox to the Learning service: batches of spooled events POSTed to <c>/events</c>, the delivered offset advanced
/// only after the receiver answered for every event of the batch. Events it refuses for good (listed as rejected in a 2xx, or a
/// batch of one answered 400, 413, 415 or 422) go to the dead-letter file and the outbox goes on; a batch refused whole is sent
/// again in halves until the refused event is alone, so no batch is sent forever. Anything else (5xx, 429, 401, a refused
/// connection) is transient: the batch waits and is retried after a pause that doubles up to <c>Telemetry:Outbox:MaxRetryDelay</c>.
/// With no Learning address configured the events stay in the spool (Learning can also tail spool files).
/// </summary>
public sealed partial class TelemetryShipper(
    TelemetryOutbox outbox,
    IHttpClientFactory httpClients,
    IOptions<TelemetryOutboxOptions> options,
    IMeterFactory meters,
    TimeProvider time,
    ILogger<TelemetryShipper> logger) : BackgroundService
{
    public const string HttpClientName = "aistack-telemetry-outbox";
    private readonly Counter<long> _shipped = meters.Create("AiStack.Telemetry").CreateCounter<long>(
        "aistack_telemetry_events_shipped", description: "Telemetry events delivered to the Learning service.");
    private readonly Counter<long> _deadLettered = meters.Create("AiStack.Telemetry").CreateCounter<long>(
        "aistack_telemetry_events_dead_lettered", description: "Telemetry events the receiver refused for good, moved to the dead-letter file.");
    private int _batchLimit = options.Value.BatchSize;

    /// <summary>What one delivery attempt came to.</summary>
    public enum Outcome
    {
        /// <summary>Nothing to deliver (or no destination).</summary>
        Idle,

        /// <summary>The spool moved on: events delivered or dead-lettered, or the batch is to be split.</summary>
        Progress,

        /// <summary>A transient failure: the same events are retried after a pause.</summary>
        Failed,
    }

    /// <summary>When the last delivery failed (null after a success), for /health.</summary>
    public string? LastError { get; private set; }

    public bool HasDestination => httpClients.CreateClient(HttpClientName).BaseAddress is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var backoff = new RetryBackoff(settings.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = settings.ShipInterval;
            try
            {
                var outcome = await ShipOnceAsync(stoppingToken);
                if (outcome == Outcome.Progress)
                {
                    // More may be waiting: go on without the pause.
                    backoff.Succeeded();
                    continue;
                }

                if (outcome == Outcome.Failed)
                {
                    delay = backoff.Failed(settings.ShipInterval);
                }
                else
                {
                    backoff.Succeeded();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A spool or dead-letter file that cannot be read or written (disk full, permissions): telemetry waits, the host goes on.
                LastError = $"{ex.GetType().Name}: {ex.Message}";
                delay = backoff.Failed(settings.ShipInterval);
                LogShipperFailed(logger, backoff.Failures, delay, ex.GetType().Name, ex.Message);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Delivers one batch of the spool.</summary>
    public async Task<Outcome> ShipOnceAsync(CancellationToken cancellationToken)
    {
        using var http = httpClients.CreateClient(HttpClientName);
        if (http.BaseAddress is null || !outbox.MayHavePending)
        {
            return Outcome.Idle;
        }

        var settings = options.Value;
        var (lines, end) = outbox.Spool.ReadPending(Math.Min(_batchLimit, settings.BatchSize));
        if (lines.Count == 0)
        {
            return Outcome.Idle;
        }

        var events = new List<TelemetryEvent>(lines.Count);
        var eventLines = new List<string>(lines.Count);
        foreach (var line in lines)
        {
            if (Parse(line) is { } parsed)
            {
                events.Add(parsed);
                eventLines.Add(line);
            }
            else
            {
                // A torn line (the disk filled up mid-write, say) cannot be delivered; keep it aside rather than block the outbox.
                DeadLetter(line, null, "The spooled line is not a readable telemetry event.");
            }
        }

        if (events.Count == 0)
        {
            return Delivered(end, 0, settings);
        }

        HttpStatusCode status;
        JsonNode? answer;
        try
        {
            using var response = await http.PostAsJsonAsync(new Uri("events", UriKind.Relative), new TelemetryBatch(events), TelemetryEvent.Json, cancellationToken);
            status = response.StatusCode;
            answer = await ReadAnswerAsync(response, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            LastError = ex.Message;
            LogUnreachable(logger, http.BaseAddress, ex.Message);
            return Outcome.Failed;
        }

        var rejected = Rejected(answer, events.Count);
        if ((int)status is >= 200 and < 300)
        {
            foreach (var (index, reason) in rejected)
            {
                DeadLetter(eventLines[index], (int)status, reason);
            }

            return Delivered(end, events.Count - rejected.Count, settings);
        }

        if (!IsPermanentRefusal(status))
        {
            LastError = $"{(int)status} from {http.BaseAddress}events";
            LogRejected(logger, (int)status, events.Count);
            return Outcome.Failed;
        }

        if (rejected.Count == events.Count || events.Count == 1)
        {
            // Refused whole, and either every event is named or the batch is one event: those are the refused ones.
            var reason = Reason(answer, status);
            for (var i = 0; i < events.Count; i++)
            {
                DeadLetter(eventLines[i], (int)status, rejected.GetValueOrDefault(i, reason));
            }

            return Delivered(end, 0, settings);
        }

        // Refused whole without saying which event (a 413 for the batch, say): halve the batch until the culprit is alone.
        _batchLimit = Math.Max(1, events.Count / 2);
        LogSplitting(logger, (int)status, events.Count, _batchLimit);
        return Outcome.Progress;
    }

    private Outcome Delivered(long end, int shipped, TelemetryOutboxOptions settings)
    {
        outbox.Spool.MarkShipped(end, settings.CompactAfterBytes);
        _shipped.Add(shipped);
        LastError = null;
        // After a split, grow back to the configured batch size as deliveries succeed.
        _batchLimit = Math.Min(settings.BatchSize, _batchLimit * 2);
        return Outcome.Progress;
    }

    private void DeadLetter(string line, int? status, string reason)
    {
        outbox.DeadLetters.Append(line, status, reason, time.GetUtcNow());
        _deadLettered.Add(1);
        LogDeadLettered(logger, status, reason, outbox.DeadLetters.FilePath);
    }

    /// <summary>The receiver's answer refuses this content (it would refuse it again); every other failure may pass later.</summary>
    private static bool IsPermanentRefusal(HttpStatusCode status) =>
        status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity;

    private static TelemetryEvent? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<TelemetryEvent>(line, TelemetryEvent.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<JsonNode?> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null; // a proxy's HTML page, say: the status alone decides
        }
    }

    /// <summary>The answer's <c>rejected</c> list (in a 2xx, or the extension of a 400 that refused every event) by index.</summary>
    private static Dictionary<int, string> Rejected(JsonNode? answer, int count)
    {
        var rejected = new Dictionary<int, string>();
        if (answer is JsonObject root && root["rejected"] is JsonArray list)
        {
            foreach (var item in list.OfType<JsonObject>())
            {
                if (item["index"] is JsonValue index && index.TryGetValue<int>(out var i) && i >= 0 && i < count)
                {
                    rejected[i] = item["reason"] is JsonValue reason && reason.TryGetValue<string>(out var text) ? text : "refused by the receiver";
                }
            }
        }

        return rejected;
    }

    private static string Reason(JsonNode? answer, HttpStatusCode status)
    {
        var detail = answer is JsonObject problem ? problem["detail"]?.ToString() ?? problem["title"]?.ToString() : null;
        return $"{(int)status} {status}" + (string.IsNullOrEmpty(detail) ? "" : ": " + detail);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The receiver refused a telemetry event for good ({Status}: {Reason}); it was moved to {Path}")]
    private static partial void LogDeadLettered(ILogger logger, int? status, string reason, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The receiver refused a batch of {Count} telemetry events with {Status}; sending it in batches of {Limit} to find the refused event")]
    private static partial void LogSplitting(ILogger logger, int status, int count, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Learning service answered {Status} for {Count} telemetry events; they stay in the spool and are retried")]
    private static partial void LogRejected(ILogger logger, int status, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Learning at {Address} is unreachable ({Error}); telemetry stays in the spool")]
    private static partial void LogUnreachable(ILogger logger, Uri? address, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering telemetry failed ({Failures} in a row); retrying in {Delay}: {ErrorType}: {Error}")]
    private static partial void LogShipperFailed(ILogger logger, int failures, TimeSpan delay, string errorType, string error);
}
