using System.Globalization;
using System.Text.Json.Nodes;
using AiStack.Learning.Processing;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AiStack.Tests.Learning;

/// <summary>
/// Learning's background loops through a fault that lasts and then ends: another process holds the SQLite write lock, so every
/// write fails with "database is locked" after the busy timeout. The loops catch, back off on the service's TimeProvider (a fake
/// clock here, so the test decides when the pauses are over) and resume once the lock is gone; the host never stops, although
/// its BackgroundServiceExceptionBehavior is the default StopHost, so the loops themselves are what keeps them going.
/// </summary>
public sealed class WorkerResilienceTests
{
    private static LearningFactory Factory(FakeTimeProvider clock, Dictionary<string, string?> settings)
    {
        settings["Storage:SqliteBusyTimeout"] = "00:00:00.050";
        settings["Learning:MaxRetryDelay"] = "00:00:40";
        return new LearningFactory(settings: settings, services: s => s.AddSingleton<TimeProvider>(clock));
    }

    /// <summary>Moves the fake clock on in small steps until <paramref name="condition"/> holds (or 30 s of real time pass).</summary>
    private static async Task AdvanceUntil(FakeTimeProvider clock, Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }
    }

    private static async Task<IAsyncDisposable> LockDatabaseAsync(LearningFactory factory)
    {
        var connection = await factory.Services.GetRequiredService<Database>().OpenConnectionAsync();
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        return new Unlock(connection);
    }

    private sealed class Unlock(System.Data.Common.DbConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await connection.ExecuteAsync("ROLLBACK");
            await connection.DisposeAsync();
        }
    }

    private static void AssertHostRunning(LearningFactory factory)
    {
        Assert.Equal(BackgroundServiceExceptionBehavior.StopHost, factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.BackgroundServiceExceptionBehavior);
        Assert.False(factory.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the host must not stop");
    }

    [Fact]
    public async Task The_processing_worker_backs_off_while_the_database_is_locked_and_resumes_after()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Factory(clock, new Dictionary<string, string?> { ["Learning:ProcessingInterval"] = "00:00:10" });
        using var client = factory.CreateApiClient();
        var pipeline = factory.Services.GetRequiredService<LearningPipeline>();
        await AdvanceUntil(clock, () => Task.FromResult(pipeline.State.LastRun is not null), "the first scheduled run is done");
        await client.SendAsync([.. Enumerable.Range(0, 5).Select(i => Events.Make("context_retrieved", new JsonObject { ["n"] = i }))]);

        await using (await LockDatabaseAsync(factory))
        {
            await AdvanceUntil(clock, () => Task.FromResult(pipeline.State.ConsecutiveFailures >= 2), "two scheduled runs failed");
            Assert.Contains("locked", pipeline.State.LastError, StringComparison.OrdinalIgnoreCase);
        }

        await AdvanceUntil(clock, async () => (await client.StatsAsync())["events"]!["processed"]!.GetValue<long>() == 5, "the events are processed");
        Assert.Equal(0, pipeline.State.ConsecutiveFailures);
        AssertHostRunning(factory);
    }

    [Fact]
    public async Task The_tail_service_backs_off_while_the_database_is_locked_and_resumes_after()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var folder = Infrastructure.TestDirectories.Create("tail-lock");
        var path = Path.Combine(folder, "agent-events.jsonl");
        await using var factory = Factory(clock, new Dictionary<string, string?> { ["Learning:Sources:0"] = path, ["Learning:TailInterval"] = "00:00:01" });
        using var client = factory.CreateApiClient();
        async Task<long> Stored() => (await client.StatsAsync())["events"]!["received"]!.GetValue<long>();

        await using (await LockDatabaseAsync(factory))
        {
            await File.WriteAllLinesAsync(path, Enumerable.Range(0, 4).Select(i =>
                string.Create(CultureInfo.InvariantCulture, $$"""{"event":"task_submitted","task_id":"t-{{i}}"}""")));
            for (var i = 0; i < 5; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(100);
            }

            Assert.Equal(0, await Stored());
        }

        await AdvanceUntil(clock, async () => await Stored() == 4, "the lines are stored");
        AssertHostRunning(factory);
        Infrastructure.TestDirectories.Delete(folder);
    }
}
