using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.Learning;

/// <summary>Optimization proposals submitted to a real HTTP server standing in for Ralph, which records what it receives.</summary>
public sealed class ProposalTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<JsonObject> _received = new();
    private WebApplication _ralph = null!;
    private LearningFactory _learning = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var port = LocalServerProcess.FreeTcpPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        _ralph = builder.Build();
        _ralph.MapPost("/tasks", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            body["_api_key"] = request.Headers["X-API-Key"].ToString();
            _received.Enqueue(body);
            return Results.Json(new JsonObject { ["task_id"] = $"ralph-{_received.Count}", ["status"] = "queued", ["message"] = "queued" }, statusCode: 202);
        });
        await _ralph.StartAsync();
        _learning = new LearningFactory(settings: new Dictionary<string, string?>
        {
            ["services:ralph:http:0"] = $"http://127.0.0.1:{port}/",
            ["Learning:BatchSize"] = "1000",
        });
        _client = _learning.CreateApiClient();
    }

    public async Task DisposeAsync()
    {
        await _learning.DisposeAsync();
        await _ralph.DisposeAsync();
    }

    private static AiStack.Contracts.Telemetry.TelemetryEvent LimitHit(int n) =>
        Events.TaskCompleted($"limit-{n}", $"Implement the feature number {n} of the importer", "Stopped at the iteration limit.", iterations: 10,
            status: "max_iterations", maxIterations: 10, complexity: "moderate");

    [Fact]
    public async Task Tasks_that_keep_hitting_their_limit_become_one_approval_gated_ralph_task_with_evidence()
    {
        await _client.SendAsync(LimitHit(1), LimitHit(2));
        await _client.ProcessAsync();
        Assert.Empty(_received);

        await _client.SendAsync(LimitHit(3), LimitHit(4));
        await _client.ProcessAsync();

        var task = Assert.Single(_received);
        Assert.True(task["require_approval"]!.GetValue<bool>());
        // Learning calls Ralph with its own key (derived from the stack's), so Ralph knows the caller and limits it separately.
        var stackKey = new AiStack.ServiceDefaults.Security.StackApiKey(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Security:ApiKey"] = LearningFactory.ApiKey }).Build());
        Assert.Equal(stackKey.ServiceKey("learning"), task["_api_key"]!.GetValue<string>());
        Assert.Contains("from 10 to 13", task["prompt"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("learning-proposal", task["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        var evidence = task["context"]!["evidence"]!;
        Assert.Equal("moderate", evidence["level"]!.GetValue<string>());
        Assert.Equal(13, evidence["suggested_limit"]!.GetValue<int>());
        Assert.Equal(3, evidence["signal"]!["count"]!.GetValue<long>());
        Assert.Contains(evidence["signal"]!["samples"]!.AsArray(), s => s!["task_id"]!.GetValue<string>() == "limit-1");

        var proposals = await (await _client.GetAsync(new Uri("/learning/proposals", UriKind.Relative))).ReadAsync<JsonObject>();
        var proposal = Assert.Single(proposals["proposals"]!.AsArray())!;
        Assert.Equal("iteration_limit_increase", proposal["kind"]!.GetValue<string>());
        Assert.Equal("submitted", proposal["status"]!.GetValue<string>());
        Assert.Equal("ralph-1", proposal["ralph_task_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task At_most_five_proposals_are_made_per_batch()
    {
        var events = new List<AiStack.Contracts.Telemetry.TelemetryEvent>();
        for (var backend = 0; backend < 7; backend++)
        {
            for (var i = 1; i <= 3; i++)
            {
                events.Add(Events.Iteration($"t-{backend}-{i}", 1, 124, error: "the agent timed out after 300 s", backend: $"backend-{backend}"));
            }
        }

        await _client.SendAsync([.. events]);
        await _client.ProcessAsync();

        Assert.Equal(5, _received.Count);
        Assert.All(_received, t => Assert.Equal("timeout_adjustment", t["context"]!["kind"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Repeated_connection_refused_errors_propose_a_dependency_check()
    {
        for (var i = 1; i <= 3; i++)
        {
            await _client.SendAsync(Events.Iteration($"dep-{i}", 1, 1, error: "HttpRequestException: Connection refused (127.0.0.1:5432)"));
        }

        await _client.ProcessAsync();
        var task = Assert.Single(_received);
        Assert.Equal("dependency_check_addition", task["context"]!["kind"]!.GetValue<string>());
        Assert.Equal("connection_refused", task["context"]!["evidence"]!["error_kind"]!.GetValue<string>());
    }
}
