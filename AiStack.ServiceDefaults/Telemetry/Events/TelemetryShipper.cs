using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using AiStack.Contracts.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// Delivers the outbox to the Learning service: batches of spooled events POSTed to <c>/events</c>, the delivered offset
/// advanced only after a 2xx. With no Learning address configured the events stay in the spool (Learning can also tail spool files).
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

    /// <summary>When the last delivery failed (null after a success), for /health.</summary>
    public string? LastError { get; private set; }

    public bool HasDestination => httpClients.CreateClient(HttpClientName).BaseAddress is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var delivered = await ShipOnceAsync(stoppingToken);
                if (delivered > 0)
                {
                    // More may be waiting: go on without the pause.
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(settings.ShipInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Delivers one batch; returns how many events were delivered.</summary>
    public async Task<int> ShipOnceAsync(CancellationToken cancellationToken)
    {
        using var http = httpClients.CreateClient(HttpClientName);
        if (http.BaseAddress is null)
        {
            return 0;
        }

        if (!outbox.MayHavePending)
        {
            return 0;
        }

        var settings = options.Value;
        var (lines, end) = outbox.Spool.ReadPending(settings.BatchSize);
        if (lines.Count == 0)
        {
            return 0;
        }

        var events = new List<TelemetryEvent>(lines.Count);
        foreach (var line in lines)
        {
            try
            {
                if (JsonSerializer.Deserialize<TelemetryEvent>(line, TelemetryEvent.Json) is { } parsed)
                {
                    events.Add(parsed);
                }
            }
            catch (JsonException)
            {
                // A torn line (the disk filled up mid-write, say) cannot be delivered; skip it rather than block the outbox.
                LogCorruptLine(logger, outbox.Spool.FilePath);
            }
        }

        try
        {
            using var response = await http.PostAsJsonAsync(new Uri("events", UriKind.Relative), new TelemetryBatch(events), TelemetryEvent.Json, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LastError = $"{(int)response.StatusCode} from {http.BaseAddress}events";
                LogRejected(logger, (int)response.StatusCode, events.Count);
                return 0;
            }
        }
        catch (HttpRequestException ex)
        {
            LastError = ex.Message;
            LogUnreachable(logger, http.BaseAddress, ex.Message);
            return 0;
        }

        outbox.Spool.MarkShipped(end, settings.CompactAfterBytes);
        _shipped.Add(events.Count);
        LastError = null;
        return lines.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped a corrupt line in the telemetry spool {Path}")]
    private static partial void LogCorruptLine(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Learning service refused {Count} telemetry events with {Status}; they stay in the spool")]
    private static partial void LogRejected(ILogger logger, int status, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Learning at {Address} is unreachable ({Error}); telemetry stays in the spool")]
    private static partial void LogUnreachable(ILogger logger, Uri? address, string error);
}
