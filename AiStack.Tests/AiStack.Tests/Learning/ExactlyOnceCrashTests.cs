using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Contracts.Telemetry;
using AiStack.Storage;
using AiStack.Tests.Infrastructure;
using Dapper;
using Xunit.Abstractions;

namespace AiStack.Tests.Learning;

/// <summary>
/// The real Learning service as a child process (<c>dotnet AiStack.Learning.dll</c>), SIGKILLed at random points while it
/// processes: after the restarts every event has been processed exactly once, and no pattern or dataset line is missing or doubled.
/// </summary>
public abstract class ExactlyOnceCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 5;
    private const int EventsPerRound = 1000;

    /// <summary>A PostgreSQL connection string, or null for the SQLite file.</summary>
    protected abstract Task<string?> PostgresAsync();

    /// <summary>Run with every core kept busy by a <see cref="CpuBurner"/>.</summary>
    protected virtual bool UnderCpuLoad => false;

    [Fact]
    public async Task Every_event_is_processed_once_across_repeated_SIGKILLs()
    {
        using var burner = UnderCpuLoad ? CpuBurner.Start() : null;
        var folder = Infrastructure.TestDirectories.Create("learning-crash");
        var port = LocalServerProcess.FreeTcpPort();
        var postgres = await PostgresAsync();
        var sqlitePath = Path.Combine(folder, "learning.db");
        await using var database = Database.Create(new DatabaseOptions { PostgresConnectionString = postgres, SqlitePath = sqlitePath });
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", LearningFactory.ApiKey);
        var process = await StartAsync(folder, port, sqlitePath, postgres, client);
        try
        {
            var killedMidway = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var events = Enumerable.Range(round * EventsPerRound, EventsPerRound).Select(MakeEvent).ToList();
                foreach (var chunk in events.Chunk(500))
                {
                    using var response = await client.PostAsJsonAsync(new Uri("/events", UriKind.Relative), new TelemetryBatch(chunk), TelemetryEvent.Json);
                    Assert.Equal(chunk.Length, (await response.ReadAsync<TelemetryBatchResult>()).Accepted);
                }

                // Kill once processing has got past a random point of this round's events: in the middle of the work.
                var (_, backlog) = await CountAsync(database);
                var target = (round + 1) * EventsPerRound - backlog + random.Next(1, EventsPerRound - 100);
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (DateTime.UtcNow < deadline)
                {
                    var (all, waiting) = await CountAsync(database);
                    if (all - waiting >= target || waiting == 0)
                    {
                        break;
                    }

                    await Task.Delay(2);
                }

                process.Kill(); // SIGKILL: no shutdown hooks, no flush
                await process.WaitForExitAsync();
                var (total, unprocessed) = await CountAsync(database);
                output.WriteLine($"round {round}: killed with {total - unprocessed} of {total} events processed");
                killedMidway += unprocessed > 0 ? 1 : 0;
                process = await StartAsync(folder, port, sqlitePath, postgres, client);
            }

            Assert.True(killedMidway >= 2, $"only {killedMidway} kills landed while events were waiting to be processed");
            var stats = await WaitUntilProcessedAsync(client, Rounds * EventsPerRound);
            using var export = await client.PostAsync(new Uri("/learning/export", UriKind.Relative), null);
            var dataset = await export.ReadAsync<JsonObject>();

            await using var connection = await database.OpenConnectionAsync();
            // Learning's own events (pattern_extracted after a run that learned something, dataset_exported) arrive through its
            // outbox, maybe still now, and are processed like the test's: every processed event is counted once, in one snapshot.
            Assert.Equal(Rounds * EventsPerRound, await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM events WHERE id LIKE 'crash-%' AND processed_batch IS NOT NULL"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
                "SELECT (SELECT value FROM counters WHERE name = 'events_processed') - (SELECT COUNT(*) FROM events WHERE processed_batch IS NOT NULL)"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
                "SELECT (SELECT events FROM checkpoint) - (SELECT COUNT(*) FROM events WHERE processed_batch IS NOT NULL)"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events WHERE processed_batch IS NULL AND source <> 'learning'"));

            const int learnable = Rounds * EventsPerRound / 2;
            var patterns = (await connection.QueryAsync<(long Id, string Origin, long Occurrences)>(
                "SELECT p.id, o.origin_key, p.occurrences FROM patterns p JOIN pattern_origins o ON o.pattern_id = p.id")).ToList();
            Assert.Equal(learnable, patterns.Count);
            Assert.All(patterns, p => Assert.Equal(1, p.Occurrences));
            Assert.Equal(learnable, patterns.Select(p => p.Origin).Distinct().Count());
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM counters WHERE name = 'dedup_exact' AND value > 0"));

            var lines = await File.ReadAllLinesAsync(dataset["dataset_path"]!.GetValue<string>());
            Assert.Equal(learnable, lines.Length);
            var ids = lines.Select(l => JsonNode.Parse(l)!["metadata"]!["pattern_id"]!.GetValue<long>()).ToHashSet();
            Assert.Equal(patterns.Select(p => p.Id).ToHashSet(), ids);
            Assert.Equal(learnable, stats["total_patterns_learned"]!.GetValue<long>());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
            Infrastructure.TestDirectories.Delete(folder);
        }
    }

    /// <summary>Half the events are learnable completed tasks (each unique), half are iterations that teach nothing.</summary>
    private static TelemetryEvent MakeEvent(int n) => n % 2 == 0
        ? new TelemetryEvent($"crash-{n}", DateTimeOffset.UtcNow, "ralph", TelemetryEventTypes.TaskCompleted, null, $"task-{n}", Events.Payload(
            new TaskCompletedPayload($"task-{n}", "completed", null, 1 + (n % 5), null, null, null, new TaskCompletedSummary(
                string.Create(CultureInfo.InvariantCulture, $"Implement step {n} of the data import pipeline with validation"),
                string.Create(CultureInfo.InvariantCulture, $"Step {n} implemented: parser, validator and tests added."),
                "llm", null, null, null, null, null, null))))
        : new TelemetryEvent($"crash-{n}", DateTimeOffset.UtcNow, "ralph", TelemetryEventTypes.IterationCompleted, null, $"task-{n}", new JsonObject
        {
            ["iteration"] = 1, ["exit_code"] = 0, ["output"] = "ok", ["backend"] = "llm",
        });

    private static async Task<(long Total, long Unprocessed)> CountAsync(Database database)
    {
        await using var connection = await database.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events WHERE processed_batch IS NULL"));
    }

    private static async Task<JsonObject> WaitUntilProcessedAsync(HttpClient client, long expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        JsonObject stats;
        do
        {
            await Task.Delay(200);
            stats = await client.StatsAsync();
        }
        while ((stats["events"]!["processed"]!.GetValue<long>() < expected || stats["events"]!["lag"]!.GetValue<long>() > 0) && DateTime.UtcNow < deadline);

        Assert.Equal(0, stats["events"]!["lag"]!.GetValue<long>());
        Assert.True(stats["events"]!["processed"]!.GetValue<long>() >= expected, stats.ToJsonString());
        return stats;
    }

    private static async Task<Process> StartAsync(string folder, int port, string database, string? postgres, HttpClient client)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        info.ArgumentList.Add(AiStack.Tests.AppHost.AppHostProcess.BuiltAssembly(new Projects.AiStack_Learning()));
        foreach (var key in new[] { "ConnectionStrings__postgres", "services__knowledgebase__http__0", "services__ralph__http__0", "AISTACK_API_KEY" })
        {
            info.Environment.Remove(key);
        }

        info.Environment["AISTACK_HOME"] = folder;
        info.Environment["Urls"] = $"http://127.0.0.1:{port}";
        info.Environment["Security__ApiKey"] = LearningFactory.ApiKey;
        info.Environment["Storage__SqlitePath"] = database;
        if (postgres is not null)
        {
            info.Environment["ConnectionStrings__postgres"] = postgres;
        }

        info.Environment["Learning__DatasetPath"] = Path.Combine(folder, "finetuning.jsonl");
        info.Environment["Learning__ProcessingInterval"] = "00:00:00.050";
        info.Environment["Learning__BatchSize"] = "10";
        // A killed replica's lease must lapse quickly for its successor.
        info.Environment["Learning__LeaseDuration"] = "00:00:01";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"the Learning service exited with code {(process.HasExited ? process.ExitCode : 0)}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new TimeoutException("The Learning service did not become ready in 60 s.");
    }
}

public sealed class SqliteExactlyOnceCrashTests(ITestOutputHelper output) : ExactlyOnceCrashTests(output)
{
    protected override Task<string?> PostgresAsync() => Task.FromResult<string?>(null);
}

/// <summary>The SQLite run again while both cores are kept busy: exactly once must not depend on an idle machine.</summary>
public sealed class SqliteExactlyOnceCrashUnderCpuLoadTests(ITestOutputHelper output) : ExactlyOnceCrashTests(output)
{
    protected override Task<string?> PostgresAsync() => Task.FromResult<string?>(null);

    protected override bool UnderCpuLoad => true;
}

[Collection(ServersCollection.Name)]
public sealed class PostgresExactlyOnceCrashTests(PostgresFixture postgres, ITestOutputHelper output) : ExactlyOnceCrashTests(output)
{
    protected override async Task<string?> PostgresAsync() => await postgres.CreateDatabaseAsync("learning_crash");
}
