using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Learning;
using AiStack.Learning.Patterns;
using AiStack.Learning.Processing;
using AiStack.Storage;
using AiStack.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

/// <summary>The pipeline's results, on both stores: patterns, dedup, the dataset, the checkpoint and the lease.</summary>
public abstract class PipelineTests : IAsyncLifetime
{
    private const string Prompt = "Implement a retry helper for the HTTP client with exponential back-off";
    private const string Output = "Added RetryHandler with jittered exponential back-off and tests for 5xx and timeouts.";

    private LearningFactory _factory = null!;
    private HttpClient _client = null!;

    protected abstract Task<string?> PostgresAsync();

    public async Task InitializeAsync()
    {
        _factory = new LearningFactory(await PostgresAsync());
        _client = _factory.CreateApiClient();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<List<PatternRow>> PatternsAsync()
    {
        var database = _factory.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenConnectionAsync();
        return (await connection.QueryAsync<PatternRow>($"SELECT {PatternRow.Columns} FROM patterns ORDER BY id")).AsList();
    }

    [Fact]
    public async Task A_completed_task_becomes_a_pattern_and_a_dataset_line()
    {
        await _client.SendAsync(Events.TaskCompleted("task-1", Prompt, Output, iterations: 2));
        var run = await _client.ProcessAsync();

        Assert.Equal(1, run.Events);
        var pattern = Assert.Single(await PatternsAsync());
        Assert.Equal(PatternTypes.TaskCompletion, pattern.Type);
        Assert.Equal(2, pattern.Iterations);
        Assert.Equal(ValueScore.Compute(Outcomes.Success, null, Prompt, Output), pattern.Value, 6);

        var export = await (await _client.PostAsync(new Uri("/learning/export", UriKind.Relative), null)).ReadAsync<ExportResponse>();
        Assert.Equal(1, export.Examples);
        var line = JsonNode.Parse(Assert.Single(await File.ReadAllLinesAsync(export.DatasetPath)))!;
        Assert.Equal(["system", "user", "assistant"], line["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal(Prompt, line["messages"]![1]!["content"]!.GetValue<string>());
        Assert.Equal(pattern.Id, line["metadata"]!["pattern_id"]!.GetValue<long>());
        Assert.Equal("task_completion", line["metadata"]!["interaction_type"]!.GetValue<string>());
        Assert.Equal(0.5, line["metadata"]!["success_metrics"]!["efficiency"]!.GetValue<double>());

        var download = await _client.GetStringAsync(new Uri("/learning/dataset", UriKind.Relative));
        Assert.Equal(await File.ReadAllTextAsync(export.DatasetPath), download);
    }

    [Fact]
    public async Task Patterns_are_listed_most_valuable_first()
    {
        await _client.SendAsync(
            Events.TaskCompleted("task-1", Prompt, Output, iterations: 1),
            Events.TaskCompleted("task-2", "Write the changelog entry for the retry helper release", "Wrote CHANGELOG.md entry.", iterations: 9));
        await _client.ProcessAsync();

        var stored = await PatternsAsync();
        var listed = await _client.GetFromJsonAsync<JsonObject>(new Uri("/learning/patterns?limit=10", UriKind.Relative));
        var patterns = listed!["patterns"]!.AsArray();
        Assert.Equal(stored.Count, listed["total"]!.GetValue<long>());
        Assert.Equal(stored.OrderByDescending(p => p.Value).Select(p => p.Id), patterns.Select(p => p!["id"]!.GetValue<long>()));
        Assert.Equal(stored.Max(p => p.Value), patterns[0]!["value"]!.GetValue<double>(), 6);
        Assert.Equal(PatternTypes.TaskCompletion, patterns[0]!["pattern_type"]!.GetValue<string>());

        using var invalid = await _client.GetAsync(new Uri("/learning/patterns?limit=0", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("limit", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_only_payloads_are_counted_as_not_learnable()
    {
        await _client.SendAsync(Events.Make("task_completed", new JsonObject { ["prompt_hash"] = "ab12", ["output_hash"] = "cd34", ["status"] = "completed" }, "task-h"));
        await _client.ProcessAsync();

        Assert.Empty(await PatternsAsync());
        var stats = await _client.StatsAsync();
        Assert.Equal(1, stats["events"]!["not_learnable"]!.GetValue<long>());
        Assert.Equal(1, stats["events"]!["processed"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_same_content_from_two_tasks_is_one_pattern()
    {
        await _client.SendAsync(
            Events.TaskCompleted("task-1", Prompt, Output),
            Events.TaskCompleted("task-2", Prompt.ToUpperInvariant(), "  " + Output + "  "));
        await _client.ProcessAsync();

        var pattern = Assert.Single(await PatternsAsync());
        Assert.Equal(2, pattern.Occurrences);
        var stats = await _client.StatsAsync();
        Assert.Equal(1, stats["deduplication"]!["removed"]!.GetValue<long>());
        Assert.Equal(0.5, stats["deduplication"]!["rate"]!.GetValue<double>());
        Assert.Equal(1, stats["finetuning_dataset_size"]!.GetValue<long>());
    }

    [Fact]
    public async Task Feedback_that_arrives_later_rescores_the_answered_query()
    {
        const string query = "How to configure the reverse proxy for the dashboard?";
        const string answer = "Set proxy_pass to the dashboard's port in the server block, then reload nginx.";
        await _client.SendAsync(Events.QueryAnswered("i-1", query, answer));
        await _client.ProcessAsync();
        var before = Assert.Single(await PatternsAsync());

        await _client.SendAsync(Events.Feedback("i-1", feedback: 1));
        await _client.ProcessAsync();

        var after = Assert.Single(await PatternsAsync());
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(ValueScore.Compute(Outcomes.Unknown, null, query, answer), before.Value, 6);
        Assert.Equal(ValueScore.Compute(Outcomes.Success, 1, query, answer), after.Value, 6);
        Assert.Equal(PatternTypes.QueryAnswer, after.Type);
        Assert.Equal(1, (await _client.StatsAsync())["finetuning_dataset_size"]!.GetValue<long>());
    }

    [Fact]
    public async Task Coordinator_feedback_alone_makes_the_pattern_and_private_queries_teach_nothing()
    {
        const string query = "How to install the llama libraries on Debian for the stack?";
        const string answer = "Run scripts/fetch-llama.sh; it downloads the CPU libraries into the native folder.";
        await _client.SendAsync(
            Events.Make("feedback", new JsonObject { ["interaction_id"] = "c-1", ["rating"] = 5, ["outcome"] = "success", ["query"] = query, ["response"] = answer, ["route"] = "local" }),
            Events.Make("query_answered", new JsonObject { ["interaction_id"] = "p-1", ["private"] = true, ["query"] = "sha256:ab", ["response"] = "sha256:cd", ["route"] = "local" }),
            Events.Make("feedback", new JsonObject { ["interaction_id"] = "p-1", ["rating"] = 5, ["query"] = "sha256:ab", ["response"] = "sha256:cd", ["route"] = "local" }));
        await _client.ProcessAsync();

        var pattern = Assert.Single(await PatternsAsync());
        Assert.Equal(query, pattern.Prompt);
        Assert.Equal(ValueScore.Compute(Outcomes.Success, 1, query, answer), pattern.Value, 6);
    }

    [Fact]
    public async Task A_failed_iteration_followed_by_a_success_is_an_error_fix_pattern()
    {
        await _client.SendAsync(
            Events.Iteration("task-9", 1, 1, error: "error CS0246: The type or namespace name 'Foo' could not be found"),
            Events.Iteration("task-9", 2, 1, error: "error CS0103: The name 'bar' does not exist in the current context"));
        await _client.ProcessAsync();
        Assert.Empty(await PatternsAsync());

        await _client.SendAsync(Events.Iteration("task-9", 3, 0, output: "Declared bar in Program.cs and added using Foo; the build passes."));
        await _client.ProcessAsync();

        var pattern = Assert.Single(await PatternsAsync());
        Assert.Equal(PatternTypes.ErrorFix, pattern.Type);
        Assert.Contains("CS0103", pattern.Prompt, StringComparison.Ordinal);
        Assert.Contains("Declared bar", pattern.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Processing_advances_the_checkpoint_once_per_event()
    {
        var batch = Enumerable.Range(0, 250).Select(i => Events.Make("context_retrieved", new JsonObject { ["n"] = i })).ToArray();
        await _client.SendAsync(batch);
        var first = await _client.ProcessAsync();
        var second = await _client.ProcessAsync();

        Assert.Equal(250, first.Events);
        Assert.Equal(3, first.Batches);
        Assert.Equal(0, second.Events);
        var stats = await _client.StatsAsync();
        Assert.Equal(250, stats["checkpoint"]!["events"]!.GetValue<long>());
        Assert.Equal(3, stats["checkpoint"]!["batch"]!.GetValue<long>());
        Assert.Equal(0, stats["events"]!["lag"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_second_replica_on_the_same_store_stands_by()
    {
        // This replica took the lease when its worker started; let it lapse, as if this replica had stalled, so another can take it.
        var pipeline = _factory.Services.GetRequiredService<LearningPipeline>();
        for (var i = 0; i < 200 && pipeline.State.LastRun is null; i++)
        {
            await Task.Delay(50);
        }

        await ExpireLeaseAsync();
        var other = ActivatorUtilities.CreateInstance<PipelineLease>(_factory.Services);
        Assert.True(await other.TryAcquireAsync(default));

        using var response = await _client.PostAsync(new Uri("/learning/process", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, response.StatusCode);

        await other.ReleaseAsync(default);
        Assert.Equal("ok", (await _client.ProcessAsync()).Status);
    }

    private async Task ExpireLeaseAsync()
    {
        var database = _factory.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE leases SET expires_at = @past", new { past = DateTimeOffset.UtcNow.AddMinutes(-1) });
    }

    [Fact]
    public async Task Ab_compare_reports_ratings_per_variant()
    {
        await _client.SendAsync(
            Events.QueryAnswered("a-1", "What is the capital of France, please?", "Paris is the capital.", variant: "a"),
            Events.QueryAnswered("a-2", "What is the capital of Spain, please?", "Madrid is the capital.", variant: "a"),
            Events.QueryAnswered("b-1", "What is the capital of Italy, please?", "Rome is the capital.", variant: "b"),
            Events.Feedback("a-1", rating: 4),
            Events.Feedback("a-2", rating: 2),
            Events.Feedback("b-1", rating: 5));
        await _client.ProcessAsync();

        using var response = await _client.PostAsJsonAsync(new Uri("/learning/ab_compare", UriKind.Relative), new { variant_a = "a", variant_b = "b", days = 7 });
        var result = await response.ReadAsync<JsonObject>();
        Assert.Equal(2, result["variant_a"]!["total"]!.GetValue<long>());
        Assert.Equal(3.0, result["variant_a"]!["avg_rating"]!.GetValue<double>());
        Assert.Equal(5.0, result["variant_b"]!["avg_rating"]!.GetValue<double>());
        Assert.Equal(2.0, result["delta"]!["avg_rating"]!.GetValue<double>());
    }
}

public sealed class SqlitePipelineTests : PipelineTests
{
    protected override Task<string?> PostgresAsync() => Task.FromResult<string?>(null);
}

[Collection(ServersCollection.Name)]
public sealed class PostgresPipelineTests(PostgresFixture postgres) : PipelineTests
{
    protected override async Task<string?> PostgresAsync() => await postgres.CreateDatabaseAsync("learning");
}
