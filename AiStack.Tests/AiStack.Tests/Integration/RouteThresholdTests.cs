using AiStack.AppHost.Infrastructure;
using AiStack.Clients;
using AiStack.Contracts.Telemetry;
using AiStack.Tests.Coordinator;
using AiStack.Tests.Learning;
using AiStack.Tests.Ralph;

namespace AiStack.Tests.Integration;

/// <summary>
/// Learning closes the loop on routing, through real services: rated answers show that local answers fail more than remote ones,
/// Learning proposes a higher threshold from the Coordinator's live one, the proposal waits in a real Ralph for approval, and once
/// it is approved the Coordinator's routing threshold is the proposed one.
/// </summary>
public sealed class RouteThresholdTests
{
    [Fact]
    public async Task An_approved_threshold_proposal_changes_the_coordinators_routing()
    {
        var folder = Infrastructure.TestDirectories.Create("route-threshold");
        var learningPort = LocalServerProcess.FreeTcpPort();
        await using var coordinatorFactory = new CoordinatorFactory(new Dictionary<string, string?> { ["Security:ApiKey"] = RalphFactory.ApiKey });
        var coordinatorAddress = coordinatorFactory.StartOnPort(LocalServerProcess.FreeTcpPort());
        var settings = RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", "echo applied\nexit 0"));
        settings["Ralph:Defaults:DefaultBackend"] = "agent";
        settings["services:learning:http:0"] = $"http://127.0.0.1:{learningPort}";
        settings["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(folder, "spool");
        settings["Telemetry:Outbox:ShipInterval"] = "00:00:00.100";
        await using var ralphFactory = new RalphFactory(settings: settings, recordTelemetry: false);
        var ralphPort = LocalServerProcess.FreeTcpPort();
        ralphFactory.UseKestrel(ralphPort);
        ralphFactory.StartServer();
        await using var learningFactory = new LearningFactory(settings: new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = RalphFactory.ApiKey,
            ["services:ralph:http:0"] = $"http://127.0.0.1:{ralphPort}/",
            ["services:coordinator:http:0"] = coordinatorAddress.ToString(),
            ["Learning:BatchSize"] = "1000",
        });
        learningFactory.UseKestrel(learningPort);
        learningFactory.StartServer();
        using var coordinatorHttp = StackHttp.Create(coordinatorAddress, RalphFactory.ApiKey);
        using var ralphHttp = StackHttp.Create(new Uri($"http://127.0.0.1:{ralphPort}"), RalphFactory.ApiKey);
        using var learningHttp = StackHttp.Create(new Uri($"http://127.0.0.1:{learningPort}"), RalphFactory.ApiKey);
        var coordinator = new CoordinatorClient(coordinatorHttp);
        var ralph = new RalphClient(ralphHttp);
        var learning = new LearningClient(learningHttp);
        var before = (await coordinator.GetSettingsAsync()).LocalConfidenceThreshold!.Value;

        var rated = new List<TelemetryEvent>();
        for (var i = 0; i < 3; i++)
        {
            rated.Add(Events.QueryAnswered($"l-{i}", $"Write a parser for format number {i} please", $"Here is parser {i}.", route: "local", kind: "coding"));
            rated.Add(Events.Feedback($"l-{i}", rating: 1));
            rated.Add(Events.QueryAnswered($"r-{i}", $"Write a lexer for format number {i} please", $"Here is lexer {i}.", route: "remote", kind: "coding"));
            rated.Add(Events.Feedback($"r-{i}", rating: 5));
        }

        await learning.SendEventsAsync(new TelemetryBatch(rated));
        await learning.ProcessAsync();
        var proposal = Assert.Single((await learning.ProposalsAsync("submitted")).Proposals);
        var suggested = proposal.Evidence!["suggested_threshold"]!.GetValue<double>();
        Assert.Equal("route_threshold", proposal.Kind);
        Assert.Equal(before, proposal.Evidence["current_threshold"]!.GetValue<double>());
        Assert.Equal(Math.Round(Math.Min(0.99, before + 0.05), 2), suggested);
        Assert.Equal(before, (await coordinator.GetSettingsAsync()).LocalConfidenceThreshold);

        await ralph.ApproveAsync(proposal.RalphTaskId!);
        // Ralph's approval_decided event reaches Learning through Ralph's outbox; the next run carries the proposal out.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await learning.ProposalsAsync("applied")).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            await learning.ProcessAsync();
        }

        Assert.Equal(suggested, (await coordinator.GetSettingsAsync()).LocalConfidenceThreshold);
        Assert.Equal(proposal.Id, Assert.Single((await learning.ProposalsAsync("applied")).Proposals).Id);
        Assert.Equal("completed", (await ralph.GetAsync(proposal.RalphTaskId!)).Status);
        Infrastructure.TestDirectories.Delete(folder);
    }
}
