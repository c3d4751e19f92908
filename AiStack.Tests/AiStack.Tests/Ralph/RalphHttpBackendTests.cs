using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.Ralph;

/// <summary>The <c>http</c> backend against a small real agent wrapper listening on a loopback port.</summary>
public sealed class RalphHttpBackendTests
{
    [Fact]
    public async Task The_http_backend_speaks_the_wrapper_contract_until_the_agent_reports_completion()
    {
        var received = new ConcurrentQueue<JsonObject>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var agent = builder.Build();
        agent.MapPost("/api/execute", async (HttpRequest request) =>
        {
            var body = (await System.Text.Json.JsonSerializer.DeserializeAsync<JsonObject>(request.Body))!;
            received.Enqueue(body);
            var iteration = body["iteration"]!.GetValue<int>();
            return Results.Json(new Dictionary<string, object?>
            {
                ["status"] = "success",
                ["output"] = $"agent output {iteration}",
                ["error"] = null,
                ["files_modified"] = new[] { $"file{iteration}.py" },
                ["git_commits"] = Array.Empty<string>(),
                ["exit_code"] = 0,
                ["completed"] = iteration >= 2,
                ["duration_seconds"] = 0.01,
            });
        });
        await agent.StartAsync();
        var url = agent.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var ralph = new RalphFactory(settings: new Dictionary<string, string?>
        {
            ["Ralph:Backends:aider:Type"] = "http",
            ["Ralph:Backends:aider:Url"] = url,
            ["Ralph:Backends:aider:TimeoutSeconds"] = "10",
        });
        var client = ralph.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "implement it", backend = "aider", max_iterations = 5, context = new { goal = "a working parser" } })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.Equal(2, task["iteration"]!.GetValue<int>());
        Assert.Equal("backend reported completion", task["completion_reason"]!.GetValue<string>());
        var first = received.First();
        Assert.Equal(1, first["iteration"]!.GetValue<int>());
        Assert.Equal(task["workspace"]!.GetValue<string>(), first["workspace"]!.GetValue<string>());
        Assert.Equal("a working parser", first["context"]!["goal"]!.GetValue<string>());
        Assert.Contains("implement it", first["prompt"]!.GetValue<string>(), StringComparison.Ordinal);
        var iterations = await client.IterationsAsync(id);
        Assert.Equal(["file2.py"], iterations[1]!["files_changed"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal("agent output 2", iterations[1]!["output"]!.GetValue<string>());
    }
}
