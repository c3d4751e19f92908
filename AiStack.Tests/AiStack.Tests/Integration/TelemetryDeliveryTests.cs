using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Tests.Learning;
using AiStack.Tests.Ralph;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Integration;

/// <summary>Ralph's events travel through its outbox to the Learning service: none lost while Learning is down, none twice.</summary>
public sealed class TelemetryDeliveryTests
{
    [Fact]
    public async Task Events_of_a_task_run_while_learning_is_down_all_arrive_once_when_it_is_back()
    {
        var learningPort = LocalServerProcess.FreeTcpPort();
        var folder = Infrastructure.TestDirectories.Create("delivery");
        var agent = RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", "printf 'done <promise>SHIPPED</promise>'\nexit 0");
        var settings = RalphFactory.CommandBackend("agent", agent);
        settings["services:learning:http:0"] = $"http://127.0.0.1:{learningPort}";
        settings["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(folder, "spool");
        settings["Telemetry:Outbox:ShipInterval"] = "00:00:00.100";
        // The failed deliveries open the HTTP breaker for Learning's address; keep its break short so the test need not wait 30 s.
        settings["Resilience:CircuitBreaker:BreakDuration"] = "00:00:01";
        await using var ralph = new RalphFactory(settings: settings, recordTelemetry: false);
        using var ralphClient = ralph.CreateClient();

        var id = (await ralphClient.SubmitAsync(new { prompt = "ship the telemetry", backend = "agent", max_iterations = 3, completion = new { promise = "SHIPPED" } })).Id();
        Assert.Equal("completed", (await ralphClient.WaitForAsync(id, seconds: 30))["status"]!.GetValue<string>());
        var outbox = ralph.Services.GetRequiredService<TelemetryOutbox>();
        await Task.Delay(500); // the shipper tries, and fails, a few times while Learning is down
        Assert.True(outbox.PendingBytes > 0, "the task's events should wait in the outbox while Learning is down");
        var spooled = (await File.ReadAllLinesAsync(outbox.Spool.FilePath))
            .Select(l => JsonNode.Parse(l)!.AsObject()).Where(e => e["task_id"]?.GetValue<string>() == id).ToList();

        await using var learning = new LearningFactory(settings: new Dictionary<string, string?> { ["Security:ApiKey"] = RalphFactory.ApiKey });
        learning.UseKestrel(learningPort);
        learning.StartServer();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (outbox.PendingBytes > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        using var learningClient = learning.CreateClient();
        learningClient.DefaultRequestHeaders.Add("X-API-Key", RalphFactory.ApiKey);
        var received = (await learningClient.GetFromJsonAsync<JsonObject>($"/events?task_id={id}&limit=1000"))!["events"]!.AsArray()
            .Select(e => e!["id"]!.GetValue<string>()).ToList();

        Assert.Equal(0, outbox.PendingBytes);
        Assert.Contains(spooled, e => e["type"]!.GetValue<string>() == "task_completed");
        Assert.Equal(spooled.Select(e => e["id"]!.GetValue<string>()).Order(), received.Order());
        Assert.Equal(received.Count, received.Distinct().Count());
        Infrastructure.TestDirectories.Delete(folder);
    }
}
