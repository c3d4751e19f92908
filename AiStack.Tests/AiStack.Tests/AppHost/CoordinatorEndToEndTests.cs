using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Llama.Gguf;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>The stack as a user runs it: the AppHost, a generated local model, the KnowledgeBase, the Coordinator, and a collector.</summary>
public sealed class CoordinatorEndToEndTests
{
    [Fact]
    public async Task A_query_is_answered_by_the_local_model_with_knowledgebase_context_in_one_trace()
    {
        var models = TestDirectories.Create("e2e-model");
        var model = Path.Combine(models, "tiny.gguf");
        TinyModelWriter.Write(model, TinyModelSpec.Tiny);
        await using var collector = await OtlpTraceCollector.StartAsync();
        await using var host = AppHostProcess.Start("embedded", StackResources.Embedded,
            $"--Inference:ModelPath={model}", "--Inference:Threads=1", "--Inference:ContextSize=512",
            $"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Endpoint}", "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY=200");
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        using var knowledgeBase = host.ServiceClient("knowledgebase");
        using var coordinator = host.ServiceClient("coordinator");

        const string Pattern = "Retry transient HTTP failures with jittered exponential backoff and a circuit breaker";
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
        CollectedSpan? query = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            query = collector.Spans.FirstOrDefault(s => s.Service == "coordinator" && s.Name == "POST /query");
            if (query is not null && collector.Spans.Any(s => s.TraceId == query.TraceId && s.Service == "knowledgebase" && s.Name == "POST /context"))
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.NotNull(query);
        var trace = collector.Spans.Where(s => s.TraceId == query.TraceId).ToList();
        Assert.Contains(trace, s => s.Service == "knowledgebase" && s.Name == "POST /context");
        Assert.Contains(trace, s => s.Service == "coordinator" && s.Name.StartsWith("chat ", StringComparison.Ordinal));
        TestDirectories.Delete(models);
    }
}
