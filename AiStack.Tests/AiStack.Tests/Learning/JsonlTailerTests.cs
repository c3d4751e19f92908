using System.Globalization;
using AiStack.Learning.Ingest;
using AiStack.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

/// <summary>Tailing outside agents' JSONL files: nothing lost, nothing read twice.</summary>
public abstract class JsonlTailerTests : IAsyncLifetime
{
    private LearningFactory _factory = null!;
    private HttpClient _client = null!;
    private string _path = null!;
    private int _line;

    protected abstract Task<string?> PostgresAsync();

    public async Task InitializeAsync()
    {
        _factory = new LearningFactory(await PostgresAsync(), new Dictionary<string, string?> { ["Learning:MaxLineBytes"] = "256" });
        _client = _factory.CreateApiClient();
        _path = Path.Combine(_factory.Folder, "ralph-events.jsonl");
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private JsonlTailer Tailer => _factory.Services.GetRequiredService<JsonlTailer>();

    private string NextLine() =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"event":"task_submitted","task_id":"t-{{++_line}}","prompt_length":{{_line}}}""") + "\n";

    private async Task<long> StoredAsync() => (await _client.StatsAsync())["events"]!["received"]!.GetValue<long>();

    [Fact]
    public async Task A_partial_last_line_waits_for_its_newline()
    {
        var third = NextLine();
        await File.WriteAllTextAsync(_path, NextLine() + NextLine() + third[..10]);
        Assert.Equal(2, await Tailer.PollAsync(_path, default));
        Assert.Equal(0, await Tailer.PollAsync(_path, default));

        await File.AppendAllTextAsync(_path, third[10..]);
        Assert.Equal(1, await Tailer.PollAsync(_path, default));
        Assert.Equal(3, await StoredAsync());
        var events = await (await _client.GetAsync(new Uri("/events?type=task_submitted", UriKind.Relative))).ReadAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.Equal("ralph", events["events"]![0]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_truncated_file_is_read_again_from_its_start()
    {
        await File.WriteAllTextAsync(_path, NextLine() + NextLine() + NextLine());
        Assert.Equal(3, await Tailer.PollAsync(_path, default));

        await using (var stream = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(0);
        }

        await File.AppendAllTextAsync(_path, NextLine());
        Assert.Equal(1, await Tailer.PollAsync(_path, default));
        Assert.Equal(4, await StoredAsync());
    }

    [Fact]
    public async Task A_rotated_file_is_drained_before_the_new_one_is_read()
    {
        await File.WriteAllTextAsync(_path, NextLine() + NextLine());
        Assert.Equal(2, await Tailer.PollAsync(_path, default));

        // Written just before the rotation and not yet read: it must not be lost.
        await File.AppendAllTextAsync(_path, NextLine());
        File.Move(_path, _path + ".1");
        await File.WriteAllTextAsync(_path, NextLine() + NextLine());

        Assert.Equal(3, await Tailer.PollAsync(_path, default));
        Assert.Equal(0, await Tailer.PollAsync(_path, default));
        Assert.Equal(5, await StoredAsync());
    }

    [Fact]
    public async Task Corrupt_lines_are_skipped_and_counted()
    {
        await File.WriteAllTextAsync(_path, NextLine() + "not json at all\n" + "[1,2,3]\n" + "{\"no_type\":1}\n" + "\n" + NextLine());
        Assert.Equal(2, await Tailer.PollAsync(_path, default));

        var stats = await _client.StatsAsync();
        Assert.Equal(3, stats["events"]!["corrupt"]!.GetValue<long>());
        var position = await Tailer.LoadAsync(_path, default);
        Assert.Equal(new FileInfo(_path).Length, position!.Offset);
        Assert.Equal(5, position.Lines);
        Assert.Equal(3, position.Corrupt);
    }

    [Fact]
    public async Task An_over_long_line_is_skipped_whole_once_its_newline_arrives()
    {
        var longLine = "{\"event\":\"x\",\"padding\":\"" + new string('p', 5000);
        await File.WriteAllTextAsync(_path, NextLine() + longLine);
        Assert.Equal(1, await Tailer.PollAsync(_path, default));

        await File.AppendAllTextAsync(_path, "\"}\n" + NextLine());
        Assert.Equal(1, await Tailer.PollAsync(_path, default));
        Assert.Equal(1, (await _client.StatsAsync())["events"]!["corrupt"]!.GetValue<long>());
        Assert.Equal(2, await StoredAsync());
    }

    [Fact]
    public async Task A_line_the_store_refuses_is_skipped_and_counted_and_the_file_goes_on()
    {
        var database = _factory.Services.GetRequiredService<AiStack.Storage.Database>();
        await using (var connection = await database.OpenConnectionAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, database.Provider == AiStack.Storage.Dialects.DatabaseProvider.Sqlite
                ? "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.id = 'refused' BEGIN SELECT RAISE(ABORT, 'refused by the store'); END;"
                : "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 'refused' THEN RAISE EXCEPTION 'refused by the store'; END IF; " +
                  "RETURN NEW; END $$; CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse();");
        }

        await File.WriteAllTextAsync(_path, NextLine() + """{"event":"task_submitted","id":"refused"}""" + "\n" + NextLine());
        Assert.Equal(2, await Tailer.PollAsync(_path, default));
        Assert.Equal(0, await Tailer.PollAsync(_path, default));

        await File.AppendAllTextAsync(_path, NextLine());
        Assert.Equal(1, await Tailer.PollAsync(_path, default));
        var position = await Tailer.LoadAsync(_path, default);
        Assert.Equal((new FileInfo(_path).Length, 4L, 1L), (position!.Offset, position.Lines, position.Corrupt));
        Assert.Equal(1, (await _client.StatsAsync())["events"]!["corrupt"]!.GetValue<long>());
    }

    [Fact]
    public async Task Lines_that_parse_but_do_not_convert_are_skipped_as_corrupt()
    {
        await File.WriteAllTextAsync(_path,
            """{"event":"task_submitted","note":"nul \u0000 inside"}""" + "\n" +
            """{"event":"not a type!"}""" + "\n" +
            """{"event":"task_submitted","timestamp":1e400}""" + "\n" +
            NextLine());
        Assert.Equal(1, await Tailer.PollAsync(_path, default));
        Assert.Equal(3, (await _client.StatsAsync())["events"]!["corrupt"]!.GetValue<long>());
        Assert.Equal(new FileInfo(_path).Length, (await Tailer.LoadAsync(_path, default))!.Offset);
    }

    [Fact]
    public async Task A_restarted_tailer_resumes_at_the_stored_position()
    {
        await File.WriteAllTextAsync(_path, NextLine() + NextLine());
        Assert.Equal(2, await Tailer.PollAsync(_path, default));

        using var restarted = ActivatorUtilities.CreateInstance<JsonlTailer>(_factory.Services);
        Assert.Equal(0, await restarted.PollAsync(_path, default));
        await File.AppendAllTextAsync(_path, NextLine());
        Assert.Equal(1, await restarted.PollAsync(_path, default));
        Assert.Equal(3, await StoredAsync());
    }
}

public sealed class SqliteJsonlTailerTests : JsonlTailerTests
{
    protected override Task<string?> PostgresAsync() => Task.FromResult<string?>(null);
}

[Collection(ServersCollection.Name)]
public sealed class PostgresJsonlTailerTests(PostgresFixture postgres) : JsonlTailerTests
{
    protected override async Task<string?> PostgresAsync() => await postgres.CreateDatabaseAsync("learning_tail");
}

/// <summary>The background tailer reads the files named in Learning:Sources by itself.</summary>
public sealed class JsonlTailServiceTests : IAsyncLifetime
{
    private readonly string _folder = TestDirectories.Create("learning-sources");
    private LearningFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new LearningFactory(settings: new Dictionary<string, string?>
        {
            ["Learning:Sources:0"] = Path.Combine(_folder, "hybrid-events.jsonl"),
            ["Learning:TailInterval"] = "00:00:00.050",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        TestDirectories.Delete(_folder);
    }

    [Fact]
    public async Task Configured_sources_are_tailed_in_the_background()
    {
        using var client = _factory.CreateApiClient();
        await File.WriteAllTextAsync(Path.Combine(_folder, "hybrid-events.jsonl"),
            """{"event_type":"interaction_tracked","interaction_id":"i-9","agent_type":"coder","timestamp":"2026-11-21T10:00:00Z"}""" + "\n");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        long received;
        do
        {
            await Task.Delay(100);
            received = (await client.StatsAsync())["events"]!["received"]!.GetValue<long>();
        }
        while (received == 0 && DateTime.UtcNow < deadline);

        Assert.Equal(1, received);
        var events = await (await client.GetAsync(new Uri("/events?type=interaction_tracked", UriKind.Relative))).ReadAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.Equal("hybrid", events["events"]![0]!["source"]!.GetValue<string>());
    }
}
