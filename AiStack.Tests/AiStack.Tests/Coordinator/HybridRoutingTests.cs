using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace AiStack.Tests.Coordinator;

/// <summary>Routing decisions made from real KnowledgeBase scores, answered by real models, over real HTTP.</summary>
[Collection(HybridStackCollection.Name)]
public sealed class HybridRoutingTests(HybridStackFixture stack)
{
    private const string Unrelated = "zebra migration patterns across the serengeti plains";

    private static async Task<JsonObject> QueryAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/query", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task A_query_matching_a_stored_pattern_goes_local_on_high_confidence()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        using var client = coordinator.CreateClient();

        var answer = await QueryAsync(client, new { prompt = HybridStackFixture.KnownPattern });

        Assert.Equal("local", answer["route"]!.GetValue<string>());
        Assert.Equal("high_confidence", answer["reason"]!.GetValue<string>());
        Assert.True(answer["confidence"]!.GetValue<double>() >= 0.85);
        Assert.Equal("local.gguf", answer["backend"]!.GetValue<string>());
        Assert.NotEmpty(answer["results"]!.AsArray());
        Assert.True(answer["tokens"]!["completion"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task An_unrelated_query_goes_remote_and_is_answered_by_the_other_coordinators_model()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        using var client = coordinator.CreateClient();

        var answer = await QueryAsync(client, new { prompt = Unrelated });

        Assert.Equal("remote", answer["route"]!.GetValue<string>());
        Assert.Equal("low_confidence", answer["reason"]!.GetValue<string>());
        Assert.True(answer["confidence"]!.GetValue<double>() < 0.85);
        Assert.Equal("aistack-local", answer["backend"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(answer["response"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_private_request_never_leaves_the_local_model()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        using var client = coordinator.CreateClient();
        var remoteCallsBefore = await RemoteChatCallsAsync();

        for (var i = 0; i < 3; i++)
        {
            var answer = await QueryAsync(client, new { prompt = Unrelated + " " + i, @private = true });
            Assert.Equal("local", answer["route"]!.GetValue<string>());
            Assert.Equal("private", answer["reason"]!.GetValue<string>());
        }

        Assert.Equal(remoteCallsBefore, await RemoteChatCallsAsync());
    }

    [Fact]
    public async Task When_the_remote_fails_the_local_model_answers_and_the_breaker_then_keeps_requests_local()
    {
        var settings = stack.Settings(stack.LocalModelPath, new Dictionary<string, string?>
        {
            ["Remote:Endpoint"] = $"http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}/v1",
            ["Remote:Model"] = "nowhere",
            ["Backends:Remote:FailuresToOpen"] = "2",
            ["ResponseCache:Enabled"] = "false",
        });
        await using var coordinator = new CoordinatorFactory(settings);
        using var client = coordinator.CreateClient();

        var first = await QueryAsync(client, new { prompt = Unrelated + " one" });
        var second = await QueryAsync(client, new { prompt = Unrelated + " two" });
        var third = await QueryAsync(client, new { prompt = Unrelated + " three" });

        Assert.Equal(("local", "fallback"), (first["route"]!.GetValue<string>(), first["reason"]!.GetValue<string>()));
        Assert.Equal(("local", "fallback"), (second["route"]!.GetValue<string>(), second["reason"]!.GetValue<string>()));
        Assert.Equal(("local", "remote_unavailable"), (third["route"]!.GetValue<string>(), third["reason"]!.GetValue<string>()));
        var health = await client.GetFromJsonAsync<JsonObject>("/health");
        Assert.Equal("OPEN", health!["circuit_breakers"]!["remote-model"]!.GetValue<string>());
        var metrics = AiStack.Tests.Infrastructure.PrometheusText.WithoutScope(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Contains("hybrid_route_errors_total{route=\"remote\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("hybrid_route_decisions_total{reason=\"fallback\",route=\"local\"} 2", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_show_decisions_latency_and_genai_token_usage()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        using var client = coordinator.CreateClient();
        await QueryAsync(client, new { prompt = HybridStackFixture.KnownPattern + " metrics" , prefer_local = true });

        var metrics = AiStack.Tests.Infrastructure.PrometheusText.WithoutScope(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        Assert.Contains("hybrid_route_decisions_total{reason=\"prefer_local\",route=\"local\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("hybrid_request_latency_seconds_bucket{endpoint=\"/query\"", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_client_token_usage", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_client_operation_duration_seconds_count", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_the_daily_remote_budget_is_spent_remote_preferences_go_local()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings(new Dictionary<string, string?>
        {
            ["Routing:DailyRemoteTokenBudget"] = "0",
            ["Routing:DailyRemoteRequestBudget"] = "1",
            // Two prompts one word apart are one question to a sentence embedder: keep the cache out of a budget test.
            ["ResponseCache:Enabled"] = "false",
        }));
        using var client = coordinator.CreateClient();

        var first = await QueryAsync(client, new { prompt = Unrelated + " budget one" });
        var second = await QueryAsync(client, new { prompt = Unrelated + " budget two" });

        Assert.Equal("remote", first["route"]!.GetValue<string>());
        Assert.Equal(("local", "budget_exhausted"), (second["route"]!.GetValue<string>(), second["reason"]!.GetValue<string>()));
        var stats = await client.GetFromJsonAsync<JsonObject>("/stats");
        Assert.True(stats!["budget"]!["exhausted"]!.GetValue<bool>());
        var metrics = AiStack.Tests.Infrastructure.PrometheusText.WithoutScope(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Contains("\nhybrid_remote_budget_spent_ratio 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repeated_query_is_answered_from_the_cache()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        using var client = coordinator.CreateClient();

        var first = await QueryAsync(client, new { prompt = HybridStackFixture.KnownPattern, prefer_local = true, temperature = 0 });
        var second = await QueryAsync(client, new { prompt = HybridStackFixture.KnownPattern, prefer_local = true, temperature = 0 });

        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.True(second["cached"]!.GetValue<bool>());
        Assert.Equal(first["response"]!.GetValue<string>(), second["response"]!.GetValue<string>());
        // A replay reports what the answer cost.
        Assert.Equal(first["tokens"]!["total"]!.GetValue<long>(), second["tokens"]!["total"]!.GetValue<long>());
        var stats = await client.GetFromJsonAsync<JsonObject>("/stats");
        Assert.Equal(1, stats!["cache"]!["hits"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_openai_sdk_streams_the_same_text_it_gets_without_streaming()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings(new Dictionary<string, string?> { ["ResponseCache:Enabled"] = "false" }));
        var address = coordinator.StartOnPort(LocalServerProcess.FreeTcpPort());
        var chat = new ChatClient("aistack-local", new ApiKeyCredential(CoordinatorFactory.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(address, "/v1") });
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 };
        ChatMessage[] messages = [new UserChatMessage("Say something about caches.")];

        ChatCompletion whole = await chat.CompleteChatAsync(messages, options);
        var streamed = new System.Text.StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.False(string.IsNullOrEmpty(whole.Content[0].Text));
        Assert.Equal(whole.Content[0].Text, streamed.ToString());
        Assert.True(whole.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task The_openai_sdk_gets_embeddings_of_the_knowledgebases_dimension()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        var address = coordinator.StartOnPort(LocalServerProcess.FreeTcpPort());
        var embeddings = new EmbeddingClient("aistack-embedding", new ApiKeyCredential(CoordinatorFactory.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(address, "/v1") });

        OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync(["first text", "second text"]);

        Assert.Equal(2, result.Count);
        Assert.All(result, e => Assert.Equal(384, e.ToFloats().Length));
    }

    [Fact]
    public async Task Every_answer_and_every_refusal_carries_a_reason()
    {
        await using var coordinator = new CoordinatorFactory(stack.Settings(modelPath: null));
        using var client = coordinator.CreateClient();

        using var refused = await client.PostAsJsonAsync("/query", new { prompt = "anything" });
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("no_backend", problem!["reason"]!.GetValue<string>());
    }

    private async Task<long> RemoteChatCallsAsync()
    {
        using var remoteClient = stack.Remote.CreateClient();
        var metrics = AiStack.Tests.Infrastructure.PrometheusText.WithoutScope(await remoteClient.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        return metrics.Split('\n')
            .Where(l => l.StartsWith("hybrid_route_decisions_total{", StringComparison.Ordinal))
            .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>A KnowledgeBase that answers with errors costs the context, never the answer.</summary>
[Collection(HybridStackCollection.Name)]
public sealed class KnowledgeBaseFailureTests(HybridStackFixture stack)
{
    [Fact]
    public async Task A_knowledgebase_answering_errors_gives_an_answer_without_context()
    {
        // The remote Coordinator stands in for a broken KnowledgeBase: it answers /context and /vector/embed with 404 problems.
        await using var coordinator = new CoordinatorFactory(stack.Settings(stack.LocalModelPath, new Dictionary<string, string?>
        {
            ["services:knowledgebase:http:0"] = stack.RemoteAddress.ToString(),
        }));
        using var client = coordinator.CreateClient();

        using var response = await client.PostAsJsonAsync("/query", new { prompt = "how do I configure the cache?" });
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.True(response.IsSuccessStatusCode, answer?.ToJsonString());
        Assert.Equal("local", answer!["route"]!.GetValue<string>());
        Assert.Equal("no_context", answer["reason"]!.GetValue<string>());
        Assert.Empty(answer["results"]!.AsArray());
    }
}

/// <summary>What the Coordinator tells the learning pipeline, read from its outbox.</summary>
[Collection(HybridStackCollection.Name)]
public sealed class CoordinatorTelemetryEventTests(HybridStackFixture stack)
{
    [Fact]
    public async Task A_query_publishes_its_route_decision_and_answer_and_a_private_one_only_hashes()
    {
        await using var coordinator = new CoordinatorFactory(stack.HybridSettings());
        using var client = coordinator.CreateClient();

        (await client.PostAsJsonAsync("/query", new { prompt = HybridStackFixture.KnownPattern, agent_type = "aider" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/query", new { prompt = "a secret question about payroll", @private = true })).EnsureSuccessStatusCode();

        var spool = Path.Combine(coordinator.Home, "spool", "coordinator.jsonl");
        var events = (await File.ReadAllLinesAsync(spool)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var decided = events.Where(e => e["type"]!.GetValue<string>() == "route_decided").ToList();
        var answered = events.Where(e => e["type"]!.GetValue<string>() == "query_answered").ToList();

        Assert.Equal(2, decided.Count);
        Assert.All(decided, e => Assert.False(string.IsNullOrEmpty(e["payload"]!["reason"]!.GetValue<string>())));
        Assert.Equal(2, answered.Count);
        Assert.Equal(HybridStackFixture.KnownPattern, answered[0]["payload"]!["query"]!.GetValue<string>());
        Assert.Equal("aider", answered[0]["payload"]!["agent_type"]!.GetValue<string>());
        Assert.StartsWith("sha256:", answered[1]["payload"]!["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("payroll", string.Join('\n', await File.ReadAllLinesAsync(spool)), StringComparison.Ordinal);
        Assert.All(events, e => Assert.Equal("coordinator", e["source"]!.GetValue<string>()));
    }
}
