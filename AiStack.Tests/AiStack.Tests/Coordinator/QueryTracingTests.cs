using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.Coordinator;

/// <summary>What a /query exports over OTLP, and what it asks the KnowledgeBase: real models, a real KnowledgeBase, a real collector.</summary>
[Collection(HybridStackCollection.Name)]
public sealed class QueryTracingTests(HybridStackFixture stack)
{
    [Fact]
    public async Task A_query_exports_a_gen_ai_span_with_model_usage_and_finish_reason_and_retrieves_once()
    {
        await using var collector = await OtlpTraceCollector.StartAsync();
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["ResponseCache:Enabled"] = "false",
        }));
        using var client = coordinator.CreateClient();

        using var response = await client.PostAsJsonAsync("/query", new { prompt = HybridStackFixture.KnownPattern + " traced" });
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.IsSuccessStatusCode, answer.ToJsonString());

        CollectedSpan? chat = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (chat is null && DateTime.UtcNow < deadline)
        {
            // Tests of other collections run Coordinators in this process too; this one's model is the only local.gguf among them.
            chat = collector.Spans.FirstOrDefault(s => s.Name == "chat local.gguf");
            await Task.Delay(200);
        }

        Assert.NotNull(chat);
        Assert.Equal("chat", chat.Attributes["gen_ai.operation.name"]);
        Assert.Equal("local.gguf", chat.Attributes["gen_ai.request.model"]);
        Assert.True(chat.Attributes.ContainsKey("gen_ai.response.model"), string.Join(", ", chat.Attributes.Keys));
        Assert.Equal(answer["tokens"]!["prompt"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture), chat.Attributes["gen_ai.usage.input_tokens"]);
        Assert.Equal(answer["tokens"]!["completion"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture), chat.Attributes["gen_ai.usage.output_tokens"]);
        Assert.Matches("^\\[\"(stop|length)\"\\]$", chat.Attributes["gen_ai.response.finish_reasons"]);

        // One retrieval: the context and the routing confidence come from the same KnowledgeBase call.
        await Task.Delay(500);
        var toKnowledgeBase = collector.Spans
            .Where(s => s.TraceId == chat.TraceId && s.Attributes.TryGetValue("url.full", out var url) && url.StartsWith(stack.KnowledgeBaseAddress.ToString(), StringComparison.Ordinal))
            .Select(s => new Uri(s.Attributes["url.full"]).AbsolutePath)
            .ToList();
        Assert.Equal(["/context"], toKnowledgeBase);
    }
}

/// <summary>Size limits on the /query -> KnowledgeBase path (the limits live in AiStack.Contracts).</summary>
[Collection(ScriptedStackCollection.Name)]
public sealed class QueryLimitTests(ScriptedStackFixture stack)
{
    [Fact]
    public async Task A_prompt_longer_than_the_knowledgebase_accepts_is_searched_by_its_start_and_the_answer_says_so()
    {
        await using var coordinator = new CoordinatorFactory(new Dictionary<string, string?>
        {
            ["services:knowledgebase:http:0"] = stack.KnowledgeBase.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority),
        }, ScriptedStackFixture.WithModel(new ScriptedChatClient("local")));
        using var client = coordinator.CreateClient();
        var prompt = "How do I configure the response cache? " + string.Join(' ', Enumerable.Repeat("and then the previous iteration printed more output", 120));

        using var response = await client.PostAsJsonAsync("/query", new { prompt });
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.True(prompt.Length > 6000);
        Assert.True(response.IsSuccessStatusCode, answer.ToJsonString());
        Assert.Contains($"The prompt has {prompt.Length} characters", answer["context_note"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("limit is 4000", answer["context_note"]!.GetValue<string>(), StringComparison.Ordinal);
        // The KnowledgeBase answered the trimmed query (a refused one would leave the request without context).
        Assert.NotEqual("no_context", answer["reason"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(answer["response"]!.GetValue<string>()));
    }
}
