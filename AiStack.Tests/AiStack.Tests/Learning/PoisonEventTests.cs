using System.Net;
using System.Text.Json.Nodes;
using AiStack.Contracts.Learning;
using AiStack.Storage;
using AiStack.Storage.Dialects;
using AiStack.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

/// <summary>
/// An event whose processing throws is quarantined after Learning:MaxAttempts runs while the others go on, and a replay processes
/// it exactly once. The fault is the database's own: a trigger refuses the iteration row of one task, so only that event's
/// transaction fails, as a value the store cannot take would.
/// </summary>
public abstract class PoisonEventTests : IAsyncLifetime
{
    private const string PoisonTask = "poison-task";

    private LearningFactory _factory = null!;
    private HttpClient _client = null!;

    protected abstract Task<string?> PostgresAsync();

    public async Task InitializeAsync()
    {
        _factory = new LearningFactory(await PostgresAsync(), new Dictionary<string, string?> { ["Learning:MaxAttempts"] = "3" });
        _client = _factory.CreateApiClient();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private Database Database => _factory.Services.GetRequiredService<Database>();

    private async Task PoisonAsync(bool on)
    {
        await using var connection = await Database.OpenConnectionAsync();
        var sql = (Database.Provider, on) switch
        {
            (DatabaseProvider.Sqlite, true) =>
                $"CREATE TRIGGER poison BEFORE INSERT ON task_iterations WHEN NEW.task_id = '{PoisonTask}' BEGIN SELECT RAISE(ABORT, 'poisoned iteration'); END;",
            (DatabaseProvider.Sqlite, false) => "DROP TRIGGER poison;",
            (_, true) =>
                "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
                $"IF NEW.task_id = '{PoisonTask}' THEN RAISE EXCEPTION 'poisoned iteration'; END IF; RETURN NEW; END $$; " +
                "CREATE TRIGGER poison BEFORE INSERT ON task_iterations FOR EACH ROW EXECUTE FUNCTION poison();",
            (_, false) => "DROP TRIGGER poison ON task_iterations; DROP FUNCTION poison();",
        };
        await connection.ExecuteAsync(sql);
    }

    private async Task<DeadLetterListResponse> DeadLettersAsync() =>
        await (await _client.GetAsync(new Uri("/learning/dead_letters", UriKind.Relative))).ReadAsync<DeadLetterListResponse>();

    private async Task<long> IterationRowsAsync(string taskId)
    {
        await using var connection = await Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM task_iterations WHERE task_id = @taskId", new { taskId });
    }

    [Fact]
    public async Task A_poison_event_is_quarantined_after_its_attempts_while_the_next_events_are_processed()
    {
        await PoisonAsync(on: true);
        await _client.SendAsync(
            Events.Iteration("good-1", 1, 0, output: "fine"),
            Events.Iteration(PoisonTask, 1, 1, error: "boom"),
            Events.Iteration("good-2", 1, 0, output: "fine"));

        var first = await _client.ProcessAsync();
        Assert.Equal(2, first.Events);
        var retrying = Assert.Single((await DeadLettersAsync()).DeadLetters);
        Assert.Equal(("retrying", 1), (retrying.Status, retrying.Attempts));
        Assert.Contains("poisoned iteration", retrying.Error, StringComparison.Ordinal);

        // Later runs go on with new events; the poison event gets one attempt per run.
        await _client.SendAsync(Events.Iteration("good-3", 1, 0, output: "fine"));
        Assert.Equal(1, (await _client.ProcessAsync()).Events);
        Assert.Equal(0, (await _client.ProcessAsync()).Events);

        var quarantined = Assert.Single((await DeadLettersAsync()).DeadLetters);
        Assert.Equal(("quarantined", 3), (quarantined.Status, quarantined.Attempts));
        Assert.NotNull(quarantined.QuarantinedAt);
        Assert.Equal(3, await IterationRowsAsync("good-1") + await IterationRowsAsync("good-2") + await IterationRowsAsync("good-3"));
        var stats = await _client.StatsAsync();
        Assert.Equal(1, stats["events"]!["dead_letters"]!.GetValue<long>());
        Assert.Equal(0, stats["events"]!["lag"]!.GetValue<long>());
        Assert.Equal(3, stats["events"]!["processed"]!.GetValue<long>());
    }

    /// <summary>The configured number of runs, each one attempt, after which the event is quarantined.</summary>
    private async Task QuarantineAsync(params AiStack.Contracts.Telemetry.TelemetryEvent[] poison)
    {
        await PoisonAsync(on: true);
        await _client.SendAsync(poison);
        for (var run = 0; run < 3; run++)
        {
            Assert.Equal(0, (await _client.ProcessAsync()).Events);
        }
    }

    [Fact]
    public async Task Quarantined_events_degrade_health_and_show_in_metrics()
    {
        await QuarantineAsync(Events.Iteration(PoisonTask, 1, 1, error: "boom"));

        // Scraped before anything else asks: the run itself keeps the gauge current.
        var metrics = await _client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Matches(@"(?m)^learning_dead_letters(\{[^}]*\})? 1(\s|$)", metrics);
        Assert.Matches(@"(?m)^learning_events_quarantined_total(\{[^}]*\})? 1(\s|$)", metrics);
        var health = JsonNode.Parse(await _client.GetStringAsync(new Uri("/health", UriKind.Relative)))!;
        var entry = health["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "dead_letters")!;
        Assert.Equal("degraded", entry["status"]!.GetValue<string>());
        Assert.Equal(1, entry["data"]!["quarantined"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_replayed_dead_letter_is_processed_exactly_once()
    {
        await QuarantineAsync(Events.Iteration(PoisonTask, 1, 1, error: "boom"), Events.Iteration(PoisonTask, 2, 1, error: "boom again"));
        var dead = await DeadLettersAsync();
        Assert.Equal(2, dead.Quarantined);
        await PoisonAsync(on: false);

        using var one = await _client.PostAsync(new Uri($"/learning/dead_letters/{dead.DeadLetters[0].Seq}/replay", UriKind.Relative), null);
        Assert.Equal(1, (await one.ReadAsync<ReplayResponse>()).Replayed);
        using var again = await _client.PostAsync(new Uri($"/learning/dead_letters/{dead.DeadLetters[0].Seq}/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var all = await _client.PostAsync(new Uri("/learning/dead_letters/replay", UriKind.Relative), null);
        Assert.Equal(1, (await all.ReadAsync<ReplayResponse>()).Replayed);

        Assert.Equal(2, (await _client.ProcessAsync()).Events);
        Assert.Equal(0, (await _client.ProcessAsync()).Events);
        Assert.Equal(2, await IterationRowsAsync(PoisonTask));
        var stats = await _client.StatsAsync();
        Assert.Equal((0, 2), (stats["events"]!["dead_letters"]!.GetValue<long>(), stats["events"]!["processed"]!.GetValue<long>()));
        Assert.Empty((await DeadLettersAsync()).DeadLetters);
    }

    [Fact]
    public async Task Dead_letters_and_their_replay_need_the_api_key()
    {
        using var anonymous = _factory.CreateClient();
        using var list = await anonymous.GetAsync(new Uri("/learning/dead_letters", UriKind.Relative));
        using var replay = await anonymous.PostAsync(new Uri("/learning/dead_letters/replay", UriKind.Relative), null);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (list.StatusCode, replay.StatusCode));
    }
}

public sealed class SqlitePoisonEventTests : PoisonEventTests
{
    protected override Task<string?> PostgresAsync() => Task.FromResult<string?>(null);
}

[Collection(ServersCollection.Name)]
public sealed class PostgresPoisonEventTests(PostgresFixture postgres) : PoisonEventTests
{
    protected override async Task<string?> PostgresAsync() => await postgres.CreateDatabaseAsync("learning");
}
