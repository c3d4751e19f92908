using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Tests.Learning;
using AiStack.Tests.Ralph;

namespace AiStack.Tests.Integration;

/// <summary>A proposal from Learning becomes an approval-gated task in a real Ralph, and approving it lets Ralph run it to the end.</summary>
public sealed class ProposalApprovalTests
{
    // The agent fails its first run and succeeds on its second; each of the two iterations needs its approval.
    private const string TwoRuns = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\nif [ $n -lt 2 ]; then exit 1; fi\nexit 0";

    [Fact]
    public async Task An_approved_proposal_is_run_by_ralph()
    {
        var folder = Infrastructure.TestDirectories.Create("proposal");
        var settings = RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", TwoRuns));
        settings["Ralph:Defaults:DefaultBackend"] = "agent";
        await using var ralph = new RalphFactory(settings: settings);
        var ralphPort = LocalServerProcess.FreeTcpPort();
        ralph.UseKestrel(ralphPort);
        ralph.StartServer();
        await using var learning = new LearningFactory(settings: new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = RalphFactory.ApiKey,
            ["services:ralph:http:0"] = $"http://127.0.0.1:{ralphPort}/",
            ["Learning:BatchSize"] = "1000",
        });
        using var learningClient = learning.CreateClient();
        learningClient.DefaultRequestHeaders.Add("X-API-Key", RalphFactory.ApiKey);

        // Tasks of one kind keep hitting their limit: Learning proposes a higher limit for that level.
        await learningClient.SendAsync(Enumerable.Range(1, 4).Select(n => Events.TaskCompleted($"limit-{n}",
            $"Implement the feature number {n} of the importer", "Stopped at the iteration limit.", iterations: 10,
            status: "max_iterations", maxIterations: 10, complexity: "moderate")).ToArray());
        await learningClient.ProcessAsync();
        var proposals = await learningClient.GetFromJsonAsync<JsonObject>("/learning/proposals");
        var taskId = Assert.Single(proposals!["proposals"]!.AsArray())!["ralph_task_id"]!.GetValue<string>();

        using var ralphClient = ralph.CreateClient();
        var waiting = await ralphClient.WaitForAsync(taskId, t => t["approval"]?.GetValue<string>() == "pending", seconds: 30);
        Assert.Equal(0, waiting["iteration"]!.GetValue<int>());
        (await ralphClient.PostAsync(new Uri($"/tasks/{taskId}/approve?approved=true", UriKind.Relative), null)).EnsureSuccessStatusCode();
        var again = await ralphClient.WaitForAsync(taskId, t => t["approval"]?.GetValue<string>() == "pending" && t["iteration"]!.GetValue<int>() == 1, seconds: 30);
        Assert.Equal(1, again["iteration"]!.GetValue<int>());
        (await ralphClient.PostAsync(new Uri($"/tasks/{taskId}/approve?approved=true", UriKind.Relative), null)).EnsureSuccessStatusCode();

        var finished = await ralphClient.WaitForAsync(taskId, seconds: 30);
        Assert.Equal("completed", finished["status"]!.GetValue<string>());
        Assert.Equal(2, finished["iteration"]!.GetValue<int>());
        Infrastructure.TestDirectories.Delete(folder);
    }
}
