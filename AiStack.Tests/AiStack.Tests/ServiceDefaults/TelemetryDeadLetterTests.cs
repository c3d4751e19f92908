using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Tests.Learning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>
/// The outbox against refusals: an event the receiver refuses for good goes to the dead-letter file and the rest goes on; a
/// transient failure keeps the batch and retries it. The receiver is the real Learning service on a real port.
/// </summary>
public sealed class TelemetryDeadLetterTests
{
    private static LearningFactory StartLearning(int port, Dictionary<string, string?> limits)
    {
        limits["Security:ApiKey"] = TestServiceApp.ApiKey;
        var learning = new LearningFactory(settings: limits);
        learning.UseKestrel(port);
        learning.StartServer();
        return learning;
    }

    private static Task<TestServiceApp> Sender(string spool, int receiverPort) =>
        TestServiceApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["services:learning:http:0"] = $"http://127.0.0.1:{receiverPort}",
            ["Telemetry:Outbox:SpoolDirectory"] = spool,
            ["Telemetry:Outbox:ShipInterval"] = "00:00:00.050",
            ["Telemetry:Outbox:MaxRetryDelay"] = "00:00:00.200",
            ["Telemetry:Outbox:BatchSize"] = "20",
        });

    private static async Task Eventually(Func<Task<bool>> condition, string what, Func<Task<string>>? state = null)
    {
        // Generous: two cores shared with other builds and test runs.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail("timed out waiting until " + what + (state is null ? "" : "; " + await state()));
            }

            await Task.Delay(50);
        }
    }

    private static void PublishAround(ITelemetryEvents events, object oversized)
    {
        for (var i = 0; i < 5; i++)
        {
            events.Publish(TelemetryEventTypes.TaskSubmitted, new { n = i });
        }

        events.Publish(TelemetryEventTypes.TaskSubmitted, oversized);
        for (var i = 5; i < 10; i++)
        {
            events.Publish(TelemetryEventTypes.TaskSubmitted, new { n = i });
        }
    }

    private static async Task<long> ReceivedAsync(LearningFactory learning)
    {
        using var client = learning.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", TestServiceApp.ApiKey);
        return (await client.StatsAsync())["events"]!["received"]!.GetValue<long>();
    }

    private static JsonObject SingleDeadLetter(TelemetryOutbox outbox) => JsonNode.Parse(Assert.Single(File.ReadAllLines(outbox.DeadLetters.FilePath)))!.AsObject();

    [Fact]
    public async Task An_event_over_the_receivers_event_limit_is_dead_lettered_while_the_outbox_keeps_delivering()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        await using var learning = StartLearning(port, new Dictionary<string, string?> { ["Learning:MaxEventBytes"] = "1024" });
        await using var service = await Sender(spool, port);
        var outbox = service.Services.GetRequiredService<TelemetryOutbox>();

        PublishAround(service.Services.GetRequiredService<ITelemetryEvents>(), new { text = new string('x', 4096) });
        await Eventually(async () => await ReceivedAsync(learning) >= 10 && outbox.PendingBytes == 0, "the 10 other events arrived and the spool is drained");

        var dead = SingleDeadLetter(outbox);
        Assert.Equal(200, dead["status"]!.GetValue<int>());
        Assert.Contains("Learning:MaxEventBytes", dead["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(4096, dead["event"]!["payload"]!["text"]!.GetValue<string>().Length);

        // Later events keep flowing, and the dead letter shows in the sender's health and metrics.
        service.Services.GetRequiredService<ITelemetryEvents>().Publish(TelemetryEventTypes.TaskSubmitted, new { n = 10 });
        await Eventually(async () => await ReceivedAsync(learning) >= 11, "a later event arrived",
            async () => $"pending {outbox.PendingBytes} bytes, received {await ReceivedAsync(learning)}, shipper: {service.Services.GetRequiredService<TelemetryShipper>().LastError ?? "no error"}");
        using var client = service.Client();
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        var check = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "telemetry_outbox");
        Assert.Equal(1, check.GetProperty("data").GetProperty("dead_lettered").GetInt64());
        Assert.Matches(@"(?m)^aistack_telemetry_events_dead_lettered_total(\{[^}]*\})? 1(\s|$)", await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
    }

    [Fact]
    public async Task An_event_over_the_receivers_body_limit_is_isolated_by_halving_the_batch_and_dead_lettered()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        await using var learning = StartLearning(port, new Dictionary<string, string?> { ["Learning:MaxBatchBytes"] = "4096" });
        await using var service = await Sender(spool, port);
        var outbox = service.Services.GetRequiredService<TelemetryOutbox>();

        PublishAround(service.Services.GetRequiredService<ITelemetryEvents>(), new { text = new string('y', 8192) });
        await Eventually(async () => await ReceivedAsync(learning) >= 10 && outbox.PendingBytes == 0, "the 10 other events arrived and the spool is drained");

        var dead = SingleDeadLetter(outbox);
        Assert.Equal(413, dead["status"]!.GetValue<int>());
        Assert.Equal(8192, dead["event"]!["payload"]!["text"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task A_dead_letter_file_that_cannot_be_written_pauses_the_outbox_until_it_can()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        await using var learning = StartLearning(port, new Dictionary<string, string?> { ["Learning:MaxEventBytes"] = "1024" });
        await using var service = await Sender(spool, port);
        var outbox = service.Services.GetRequiredService<TelemetryOutbox>();
        var shipper = service.Services.GetRequiredService<TelemetryShipper>();
        // A folder where the file should be: every append fails (root ignores permissions, not this).
        Directory.CreateDirectory(outbox.DeadLetters.FilePath);

        PublishAround(service.Services.GetRequiredService<ITelemetryEvents>(), new { text = new string('z', 4096) });
        await Eventually(() => Task.FromResult(shipper.LastError is not null), "the shipper reported the failure");
        Assert.True(outbox.PendingBytes > 0, "nothing may be marked delivered while its refused event is not kept");
        Assert.False(service.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);

        Directory.Delete(outbox.DeadLetters.FilePath);
        await Eventually(async () => outbox.PendingBytes == 0 && await ReceivedAsync(learning) >= 10, "the outbox went on once the file could be written",
            async () => $"pending {outbox.PendingBytes} bytes, received {await ReceivedAsync(learning)}, dead letters {outbox.DeadLetters.Count}, shipper: {shipper.LastError ?? "no error"}");
        Assert.Equal(4096, SingleDeadLetter(outbox)["event"]!["payload"]!["text"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task Transient_refusals_keep_the_batch_until_the_receiver_takes_it()
    {
        var spool = Infrastructure.TestDirectories.Create("spool");
        var port = LocalServerProcess.FreeTcpPort();
        var answers = 0;
        var received = new List<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        await using var receiver = builder.Build();
        receiver.MapPost("/events", async (HttpRequest request) =>
        {
            var batch = await JsonSerializer.DeserializeAsync<TelemetryBatch>(request.Body, TelemetryEvent.Json);
            // 503, 429 and 500 first: none of them says the events are bad, so none may cost an event.
            switch (Interlocked.Increment(ref answers))
            {
                case 1: return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
                case 2: return Results.StatusCode(StatusCodes.Status429TooManyRequests);
                case 3: return Results.StatusCode(StatusCodes.Status500InternalServerError);
            }

            lock (received)
            {
                received.AddRange(batch!.Events.Select(e => e.Id));
            }

            return Results.Json(new TelemetryBatchResult(batch!.Events.Count, 0, []));
        });
        await receiver.StartAsync();
        await using var service = await Sender(spool, port);
        var outbox = service.Services.GetRequiredService<TelemetryOutbox>();

        for (var i = 0; i < 5; i++)
        {
            service.Services.GetRequiredService<ITelemetryEvents>().Publish(TelemetryEventTypes.TaskSubmitted, new { n = i });
        }

        await Eventually(() => Task.FromResult(outbox.PendingBytes == 0), "the spool is drained");
        Assert.Equal(5, received.Distinct().Count());
        Assert.True(answers >= 4, "three refusals, then the delivery");
        Assert.False(File.Exists(outbox.DeadLetters.FilePath), "a transient failure must not dead-letter anything");
    }
}
