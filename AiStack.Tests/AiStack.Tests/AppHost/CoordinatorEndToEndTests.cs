using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Llama.Gguf;
using AiStack.Tests.Infrastructure;
using AiStack.Tests.Ralph;

namespace AiStack.Tests.AppHost;

/// <summary>
/// The stack as a user runs it, started by the real AppHost (Aspire.Hosting.Testing): a generated local model, the KnowledgeBase,
/// the Coordinator, Ralph, and an OTLP receiver in the test standing in for the dashboard's collector.
/// </summary>
public sealed class CoordinatorEndToEndTests
{
    private const string Pattern = "Retry transient HTTP failures with jittered exponential backoff and a circuit breaker";

    [Fact]
    public async Task A_query_is_answered_locally_with_context_and_a_ralph_task_is_one_trace_through_knowledgebase_and_coordinator()
    {
        var models = TestDirectories.Create("e2e-model");
        var model = Path.Combine(models, "tiny.gguf");
        TinyModelWriter.Write(model, TinyModelSpec.Tiny);
        await using var collector = await OtlpTraceCollector.StartAsync();
        await using var stack = await AspireStack.StartAsync("embedded", StackResources.Embedded, TimeSpan.FromSeconds(240),
            $"--Inference:ModelPath={model}", "--Inference:Threads=1", "--Inference:ContextSize=512",
            $"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Endpoint}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY=200");
        using var knowledgeBase = stack.ServiceClient("knowledgebase");
        using var coordinator = stack.ServiceClient("coordinator");
        using var ralph = stack.ServiceClient("ralph");

        (await knowledgeBase.PostAsJsonAsync("/documents", new { project = "e2e", title = "Resilience", content = Pattern, source = "notes/resilience", collection = "best-practices" }))
            .EnsureSuccessStatusCode();
        using var response = await coordinator.PostAsJsonAsync("/query", new { prompt = Pattern, max_tokens = 8 });
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.True(response.IsSuccessStatusCode, answer?.ToJsonString());
        Assert.Equal("local", answer!["route"]!.GetValue<string>());
        Assert.Equal("high_confidence", answer["reason"]!.GetValue<string>());
        Assert.Contains(answer["results"]!.AsArray(), r => r!["source"]!.GetValue<string>() == "notes/resilience");
        Assert.False(string.IsNullOrEmpty(answer["response"]!.GetValue<string>()));

        // The Coordinator's /query server span and the KnowledgeBase's /context server span share one trace.
        var query = await WaitForTraceAsync(collector, s => s.Service == "coordinator" && s.Name == "POST /query",
            trace => trace.Any(s => s.Service == "knowledgebase" && s.Name == "POST /context"));
        Assert.Contains(collector.Spans.Where(s => s.TraceId == query.TraceId), s => s.Service == "coordinator" && s.Name.StartsWith("chat ", StringComparison.Ordinal));

        // A Ralph task with the llm backend: its submission, its iterations, the context and the answer are one trace.
        var id = (await ralph.SubmitAsync(new { prompt = Pattern, backend = "llm", max_iterations = 1 })).Id();
        await ralph.WaitForAsync(id, seconds: 120);
        var task = await WaitForTraceAsync(collector, s => s.Service == "ralph" && s.Name == "ralph.task",
            trace => trace.Any(s => s.Service == "knowledgebase") && trace.Any(s => s.Service == "coordinator"));
        var taskTrace = collector.Spans.Where(s => s.TraceId == task.TraceId).ToList();
        Assert.Contains(taskTrace, s => s.Service == "ralph" && s.Name.StartsWith("POST /tasks", StringComparison.Ordinal));
        Assert.Contains(taskTrace, s => s.Service == "knowledgebase" && s.Name == "POST /context");
        Assert.Contains(taskTrace, s => s.Service == "coordinator" && s.Name.StartsWith("chat ", StringComparison.Ordinal));
        TestDirectories.Delete(models);
    }

    private static async Task<CollectedSpan> WaitForTraceAsync(OtlpTraceCollector collector, Func<CollectedSpan, bool> root, Func<List<CollectedSpan>, bool> complete)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var candidate in collector.Spans.Where(root))
            {
                if (complete(collector.Spans.Where(s => s.TraceId == candidate.TraceId).ToList()))
                {
                    return candidate;
                }
            }

            await Task.Delay(200);
        }

        var seen = string.Join("\n", collector.Spans.Select(s => $"{s.TraceId[..8]} {s.Service}: {s.Name}").Distinct().Take(80));
        throw new TimeoutException($"no complete trace within 60 s; spans seen:\n{seen}");
    }
}
