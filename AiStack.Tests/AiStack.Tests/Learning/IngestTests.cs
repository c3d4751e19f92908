using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.Learning.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

public sealed class IngestTests : IAsyncLifetime
{
    private readonly LearningFactory _factory = new(settings: new Dictionary<string, string?>
    {
        ["Learning:MaxBatchEvents"] = "50",
        ["Learning:MaxBatchBytes"] = "65536",
        ["Learning:MaxEventBytes"] = "1024",
    });
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.CreateApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Resending_a_batch_counts_its_events_as_duplicates()
    {
        var batch = Enumerable.Range(0, 10).Select(i => Events.Make("task_submitted", new JsonObject { ["n"] = i })).ToArray();
        var first = await _client.SendAsync(batch);
        var again = await _client.SendAsync([.. batch, Events.Make("x", []), Events.Make("y", [])]);
        Assert.Equal((10, 0, 0), (first.Accepted, first.Duplicates, first.Rejected.Count));
        Assert.Equal((2, 10, 0), (again.Accepted, again.Duplicates, again.Rejected.Count));

        var stats = await _client.StatsAsync();
        Assert.Equal(12, stats["events"]!["received"]!.GetValue<long>());
        Assert.Equal(10, stats["events"]!["duplicates"]!.GetValue<long>());
    }

    [Fact]
    public async Task Event_times_are_stored_as_sortable_utc_text_in_sqlite()
    {
        await _client.SendAsync(Events.Make("x", [], time: new DateTimeOffset(2026, 11, 21, 13, 0, 0, TimeSpan.FromHours(2))));
        var database = _factory.Services.GetRequiredService<AiStack.Storage.Database>();
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal("2026-11-21T11:00:00.0000000Z", await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT time FROM events"));
    }

    private async Task<HttpResponseMessage> PostAsync(params string[] events) =>
        await _client.PostAsync(new Uri("/events", UriKind.Relative),
            new StringContent("{\"events\":[" + string.Join(",", events) + "]}", Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Invalid_events_are_refused_by_index_while_the_rest_of_their_batch_is_stored()
    {
        using var response = await PostAsync(
            """{"id":"good-1","time":"2026-11-21T10:00:00Z","source":"ralph","type":"task_submitted","payload":{}}""",
            """{"id":"bad-time","time":"not a time","source":"ralph","type":"task_submitted","payload":{}}""",
            """{"id":"bad-type","source":"ralph","type":"no such type!","payload":{}}""",
            "{\"id\":\"too-big\",\"source\":\"ralph\",\"type\":\"task_submitted\",\"payload\":{\"text\":\"" + new string('a', 2048) + "\"}}",
            """{"id":"nul","source":"ralph","type":"task_submitted","payload":{"text":"a\u0000b"}}""",
            """{"id":"bad-payload","source":"ralph","type":"task_submitted","payload":[1]}""",
            """{"id":"good-2","source":"ralph","type":"task_submitted","payload":{}}""");
        var result = await response.ReadAsync<TelemetryBatchResult>();

        Assert.Equal((2, 0), (result.Accepted, result.Duplicates));
        Assert.Equal([1, 2, 3, 4, 5], result.Rejected.Select(r => r.Index));
        Assert.Equal(["bad-time", "bad-type", "too-big", "nul", "bad-payload"], result.Rejected.Select(r => r.Id));
        Assert.Contains("time", result.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("type", result.Rejected[1].Reason, StringComparison.Ordinal);
        Assert.Contains("Learning:MaxEventBytes", result.Rejected[2].Reason, StringComparison.Ordinal);
        Assert.Contains("NUL", result.Rejected[3].Reason, StringComparison.Ordinal);
        Assert.Contains("payload", result.Rejected[4].Reason, StringComparison.Ordinal);
        Assert.Equal(2, (await _client.StatsAsync())["events"]!["received"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_batch_whose_every_event_is_invalid_is_a_400_naming_each_and_stores_nothing()
    {
        using var response = await PostAsync(
            """{"id":"bad-1","time":"not a time","source":"ralph","type":"task_submitted"}""",
            """{"source":"ralph","type":"task_submitted"}""");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("time", problem["errors"]!["events[0]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("id", problem["errors"]!["events[1]"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal([0, 1], problem["rejected"]!.AsArray().Select(r => r!["index"]!.GetValue<int>()));
        Assert.Equal(0, (await _client.StatsAsync())["events"]!["received"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_unreadable_body_is_refused_whole()
    {
        using var response = await _client.PostAsync(new Uri("/events", UriKind.Relative),
            new StringContent("{\"events\":[{\"id\":\"a\",\"type\":\"x\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malformed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_over_the_event_limit_is_refused_with_the_setting_named()
    {
        var batch = Enumerable.Range(0, 51).Select(_ => Events.Make("x", [])).ToArray();
        using var response = await _client.PostAsJsonAsync(new Uri("/events", UriKind.Relative), new TelemetryBatch(batch), TelemetryEvent.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Learning:MaxBatchEvents", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_byte_limit_is_a_413_and_stores_nothing()
    {
        var batch = Enumerable.Range(0, 40).Select(_ => Events.Make("x", new JsonObject { ["text"] = new string('a', 2000) })).ToArray();
        using var response = await _client.PostAsJsonAsync(new Uri("/events", UriKind.Relative), new TelemetryBatch(batch), TelemetryEvent.Json);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await _client.StatsAsync())["events"]!["received"]!.GetValue<long>());
    }

    [Fact]
    public async Task Events_are_listed_by_type_task_and_time()
    {
        await _client.SendAsync(
            Events.Iteration("task-a", 1, 1, error: "boom"),
            Events.Iteration("task-b", 1, 0, output: "fine"),
            Events.Make("route_decided", new JsonObject { ["route"] = "local" }, time: DateTimeOffset.UtcNow.AddDays(-3)));

        var byTask = await (await _client.GetAsync(new Uri("/events?type=iteration_completed&task_id=task-a", UriKind.Relative))).ReadAsync<JsonObject>();
        Assert.Equal(1, byTask["count"]!.GetValue<int>());
        Assert.Equal("boom", byTask["events"]![0]!["payload"]!["error"]!.GetValue<string>());

        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"));
        var recent = await (await _client.GetAsync(new Uri($"/events?since={since}", UriKind.Relative))).ReadAsync<JsonObject>();
        Assert.Equal(2, recent["count"]!.GetValue<int>());
    }

    [Fact]
    public void Original_jsonl_lines_map_onto_telemetry_events()
    {
        var line = JsonNode.Parse("""{"event":"task_completed","task_id":"t-1","status":"completed","total_iterations":3,"timestamp":1763719200.5,"task":{"prompt":"p"}}""")!.AsObject();
        Assert.True(EventMapper.TryMap(line, "ralph", "jsonl:1", DateTimeOffset.UtcNow, out var mapped, out var error), error);
        Assert.Equal("task_completed", mapped!.Type);
        Assert.Equal("t-1", mapped.TaskId);
        Assert.Equal("jsonl:1", mapped.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1763719200500), mapped.Time);
        Assert.Equal(3, mapped.Payload["total_iterations"]!.GetValue<int>());
        Assert.Null(mapped.Payload["event"]);

        var hybrid = JsonNode.Parse("""{"event_type":"interaction_tracked","interaction_id":"i-1","timestamp":"2026-11-21T10:00:00Z"}""")!.AsObject();
        Assert.True(EventMapper.TryMap(hybrid, "hybrid", "jsonl:2", DateTimeOffset.UtcNow, out var second, out _));
        Assert.Equal("interaction_tracked", second!.Type);
    }
}
