using System.Globalization;
using AiStack.Learning.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

/// <summary>Tailing outside agents' JSONL files: nothing lost, nothing read twice.</summary>
public sealed class JsonlTailerTests : IAsyncLifetime
{
    private readonly LearningFactory _factory = new();
    private HttpClient _client = null!;
    private string _path = null!;
    private int _line;

    public Task InitializeAsync()
    {
        _client = _factory.CreateApiClient();
        _path = Path.Combine(_factory.Folder, "ralph-events.jsonl");
        return Task.CompletedTask;
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
