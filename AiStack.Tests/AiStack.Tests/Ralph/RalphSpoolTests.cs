using System.Text.Json.Nodes;

namespace AiStack.Tests.Ralph;

/// <summary>Under the AppHost, Ralph's events land in its durable telemetry spool ($AISTACK_HOME/spool/ralph*.jsonl).</summary>
[Collection(RalphStackCollection.Name)]
public sealed class RalphSpoolTests(RalphStackFixture stack)
{
    [Fact]
    public async Task A_tasks_events_reach_the_spool_in_order_with_one_trace_id()
    {
        var id = (await stack.Ralph.SubmitAsync(new { prompt = "spool me", backend = "quick", max_iterations = 5 })).Id();
        Assert.Equal("completed", (await stack.Ralph.WaitForAsync(id, seconds: 30)).Status());

        List<JsonObject> events = [];
        for (var attempt = 0; attempt < 50 && !events.Any(e => e["type"]!.GetValue<string>() == "task_completed"); attempt++)
        {
            await Task.Delay(100);
            events = ReadSpool().Where(e => e["task_id"]?.GetValue<string>() == id).ToList();
        }

        Assert.Equal(["task_submitted", "iteration_completed", "exit_blocked", "iteration_completed", "task_completed"],
            events.Select(e => e["type"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal("ralph", e["source"]!.GetValue<string>()));
        Assert.Single(events.Select(e => e["trace_id"]?.GetValue<string>()).Distinct());
    }

    private IEnumerable<JsonObject> ReadSpool()
    {
        var folder = Path.Combine(stack.Host.Home, "spool");
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.GetFiles(folder, "ralph*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && JsonNode.Parse(line) is JsonObject e)
                {
                    yield return e;
                }
            }
        }
    }
}
