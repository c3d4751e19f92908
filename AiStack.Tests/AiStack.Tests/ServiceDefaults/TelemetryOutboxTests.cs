using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AiStack.AppHost.Infrastructure;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>The outbox: events survive the receiver being down and the sender restarting, arrive in batches, and never block the service.</summary>
public sealed class TelemetryOutboxTests
{
    /// <summary>A receiver speaking the Learning service's /events contract on a real port, remembering event ids.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app) => _app = app;

        public ConcurrentDictionary<string, TelemetryEvent> Events { get; } = new();

        public int Deliveries;

        public static async Task<Receiver> StartAsync(int port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/events", async (HttpRequest request) =>
            {
                var batch = await JsonSerializer.DeserializeAsync<TelemetryBatch>(request.Body, TelemetryEvent.Json);
                Interlocked.Increment(ref receiver.Deliveries);
                var accepted = batch!.Events.Count(e => receiver.Events.TryAdd(e.Id, e));
                return Results.Json(new TelemetryBatchResult(accepted, batch.Events.Count - accepted, []));
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private static Task<TestServiceApp> Sender(string spool, int receiverPort, long maxBytes = 64 * 1024 * 1024, long warningBytes = 8 * 1024 * 1024) =>
        TestServiceApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["services:learning:http:0"] = $"http://127.0.0.1:{receiverPort}",
            ["Telemetry:Outbox:SpoolDirectory"] = spool,
            ["Telemetry:Outbox:ShipInterval"] = "00:00:00.050",
            ["Telemetry:Outbox:BatchSize"] = "20",
            ["Telemetry:Outbox:MaxSpoolBytes"] = maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Telemetry:Outbox:WarningSpoolBytes"] = warningBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task Events_published_while_the_receiver_is_down_arrive_once_it_is_up()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        await using var service = await Sender(spool, port, warningBytes: 100);
        var events = service.Services.GetRequiredService<ITelemetryEvents>();

        for (var i = 0; i < 50; i++)
        {
            events.Publish(TelemetryEventTypes.IterationCompleted, new { iteration = i, exit_code = 0 }, taskId: "task-1");
        }

        using var client = service.Client();
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        var outbox = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "telemetry_outbox");
        Assert.Equal("degraded", outbox.GetProperty("status").GetString());

        await using var receiver = await Receiver.StartAsync(port);
        await Eventually(() => receiver.Events.Count == 50, "all 50 events arrived");

        Assert.True(receiver.Deliveries >= 3, "events should arrive in batches of at most 20");
        Assert.Equal(Enumerable.Range(0, 50), receiver.Events.Values.Select(e => e.Payload["iteration"]!.GetValue<int>()).Order());
        await Eventually(() => service.Services.GetRequiredService<TelemetryOutbox>().PendingBytes == 0, "the spool is drained");
    }

    [Fact]
    public async Task Events_left_in_the_spool_by_a_stopped_service_are_delivered_by_its_next_run()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        await using (var first = await Sender(spool, port))
        {
            var events = first.Services.GetRequiredService<ITelemetryEvents>();
            for (var i = 0; i < 30; i++)
            {
                events.Publish(TelemetryEventTypes.TaskSubmitted, new { n = i });
            }
        }

        await using var receiver = await Receiver.StartAsync(port);
        await using var second = await Sender(spool, port);

        await Eventually(() => receiver.Events.Count == 30, "the first run's 30 events arrived");
    }

    [Fact]
    public async Task Every_event_carries_id_time_source_trace_and_task_with_a_snake_case_payload()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        await using var receiver = await Receiver.StartAsync(port);
        await using var service = await Sender(spool, port);
        using var activity = new Activity("test-operation").SetIdFormat(ActivityIdFormat.W3C).Start();

        service.Services.GetRequiredService<ITelemetryEvents>().Publish(TelemetryEventTypes.TaskCompleted, new { TotalIterations = 3 }, "task-42");
        await Eventually(() => receiver.Events.Count == 1, "the event arrived");

        var received = receiver.Events.Values.Single();
        Assert.True(Guid.TryParse(received.Id, out _));
        Assert.Equal("test-service", received.Source);
        Assert.Equal(TelemetryEventTypes.TaskCompleted, received.Type);
        Assert.Equal(activity.TraceId.ToHexString(), received.TraceId);
        Assert.Equal("task-42", received.TaskId);
        Assert.Equal(3, received.Payload["total_iterations"]!.GetValue<int>());
        Assert.True((DateTimeOffset.UtcNow - received.Time).Duration() < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_full_spool_drops_new_events_and_reports_it_instead_of_blocking()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        await using var service = await Sender(spool, LocalServerProcess.FreeTcpPort(), maxBytes: 2048, warningBytes: 1024);
        var events = service.Services.GetRequiredService<ITelemetryEvents>();

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            events.Publish(TelemetryEventTypes.ContextRetrieved, new { query = "how to configure the cache", n = i });
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5));
        var outbox = service.Services.GetRequiredService<TelemetryOutbox>();
        Assert.InRange(outbox.PendingBytes, 2048, 2048 + 1024);
        var lines = await File.ReadAllLinesAsync(outbox.Spool.FilePath);
        Assert.True(lines.Length < 200, "events past the cap must be dropped");

        using var client = service.Client();
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        var check = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "telemetry_outbox");
        Assert.Contains("dropped", check.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_spool_whose_delivered_offset_is_past_its_end_is_read_as_fully_delivered()
    {
        var directory = Infrastructure.TestDirectories.Create("spool");
        using (var spool = new TelemetrySpool(directory, "svc"))
        {
            spool.Append("{\"id\":\"1\"}");
        }

        // A crash after emptying the file but before resetting the offset.
        File.WriteAllText(Path.Combine(directory, "svc.jsonl"), "");
        File.WriteAllText(Path.Combine(directory, "svc.jsonl.offset"), "11");

        using var reopened = new TelemetrySpool(directory, "svc");
        Assert.Equal(0, reopened.PendingBytes);
        reopened.Append("{\"id\":\"2\"}");
        Assert.Equal(["{\"id\":\"2\"}"], reopened.ReadPending(10).Lines);
    }

    [Fact]
    public void A_line_still_being_written_waits_for_its_newline()
    {
        var directory = Infrastructure.TestDirectories.Create("spool");
        using var spool = new TelemetrySpool(directory, "svc");
        spool.Append("{\"id\":\"1\"}");
        File.AppendAllText(spool.FilePath, "{\"id\":\"2\""); // torn: no newline yet

        var (lines, end) = spool.ReadPending(10);

        Assert.Equal(["{\"id\":\"1\"}"], lines);
        Assert.Equal(11, end);
    }
}
