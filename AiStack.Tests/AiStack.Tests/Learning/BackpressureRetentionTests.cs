using System.Text.Json.Nodes;
using AiStack.Learning.Processing;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

public sealed class BackpressureRetentionTests : IAsyncLifetime
{
    private readonly LearningFactory _factory = new(settings: new Dictionary<string, string?>
    {
        ["Learning:BackpressureEvents"] = "5",
        ["Learning:BatchSize"] = "2",
        ["Learning:CompressAfter"] = "2.00:00:00",
        ["Learning:DeleteAfter"] = "5.00:00:00",
    });

    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.CreateApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_backlog_over_the_threshold_pauses_learning_and_degrades_health_while_ingest_goes_on()
    {
        var accepted = await _client.SendAsync([.. Enumerable.Range(0, 8).Select(i => Events.Make("context_retrieved", new JsonObject { ["n"] = i }))]);
        Assert.Equal(8, accepted.Accepted);

        var stats = await _client.StatsAsync();
        Assert.True(stats["learning_paused"]!.GetValue<bool>());
        Assert.Equal(8, stats["backpressure"]!["backlog_events"]!.GetValue<long>());
        Assert.Equal(8, stats["events"]!["lag"]!.GetValue<long>());
        var health = await _client.GetStringAsync(new Uri("/health", UriKind.Relative));
        Assert.Contains("\"status\":\"degraded\"", health, StringComparison.Ordinal);
        Assert.Contains("learning_paused", health, StringComparison.Ordinal);

        // The operator's on-demand run drains the backlog even while paused.
        var run = await _client.ProcessAsync();
        Assert.Equal(8, run.Events);
        Assert.False(run.LearningPaused);
        Assert.False((await _client.StatsAsync())["learning_paused"]!.GetValue<bool>());
        Assert.Contains("\"status\":\"healthy\"", await _client.GetStringAsync(new Uri("/health", UriKind.Relative)), StringComparison.Ordinal);
        var metrics = await _client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("learning_events_processed_total", metrics, StringComparison.Ordinal);
        Assert.Contains("learning_lag_seconds", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_paused_scheduled_run_processes_only_one_batch()
    {
        await _client.SendAsync([.. Enumerable.Range(0, 9).Select(i => Events.Make("context_retrieved", new JsonObject { ["n"] = i }))]);
        var pipeline = _factory.Services.GetRequiredService<LearningPipeline>();

        var scheduled = await pipeline.RunAsync(onDemand: false, default);

        Assert.Equal(2, scheduled.Events);
        Assert.True(scheduled.LearningPaused);
        Assert.Equal("learning_paused", scheduled.Status);
    }

    [Fact]
    public async Task Retention_compresses_then_deletes_processed_events_but_never_unprocessed_ones()
    {
        var now = DateTimeOffset.UtcNow;
        await _client.SendAsync(
            Events.Make("route_decided", new JsonObject { ["route"] = "old" }, "t-old", now.AddDays(-10)),
            Events.Make("route_decided", new JsonObject { ["route"] = "middle" }, "t-middle", now.AddDays(-3)),
            Events.Make("route_decided", new JsonObject { ["route"] = "new" }, "t-new", now));
        await _client.ProcessAsync();
        await _client.SendAsync(Events.Make("route_decided", new JsonObject { ["route"] = "old but unprocessed" }, "t-unprocessed", now.AddDays(-10)));

        // Each pipeline run ends with retention; running it again finds nothing more to do and leaves the unprocessed event alone.
        var again = await _factory.Services.GetRequiredService<Retention>().RunAsync(default);

        Assert.Equal(new Retention.Result(0, 0), again);
        var database = _factory.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<(string TaskId, bool Plain, bool Compressed)>(
            "SELECT task_id, payload IS NOT NULL, payload_gz IS NOT NULL FROM events ORDER BY task_id")).ToList();
        Assert.Equal([("t-middle", false, true), ("t-new", true, false), ("t-unprocessed", true, false)], rows);

        var middle = await (await _client.GetAsync(new Uri("/events?task_id=t-middle", UriKind.Relative))).ReadAsync<JsonObject>();
        Assert.Equal("middle", middle["events"]![0]!["payload"]!["route"]!.GetValue<string>());
    }
}
