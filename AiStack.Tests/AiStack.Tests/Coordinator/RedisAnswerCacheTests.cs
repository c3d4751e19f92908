using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.Coordinator;

/// <summary>The exact answer cache on Redis (the full profile): shared by every Coordinator on it, kept across a restart, never a dependency.</summary>
[Collection(HybridStackCollection.Name)]
public sealed class RedisAnswerCacheTests(HybridStackFixture stack, Infrastructure.RedisFixture redis)
{
    private static async Task<JsonObject> QueryAsync(HttpClient client, string prompt)
    {
        using var response = await client.PostAsJsonAsync("/query", new { prompt, prefer_local = true, temperature = 0 });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task An_answer_cached_in_redis_is_replayed_by_a_coordinator_started_after_it()
    {
        var prompt = $"{HybridStackFixture.KnownPattern} ({Guid.NewGuid():N})";
        var settings = stack.HybridSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ResponseCache:SemanticEnabled"] = "false",
        });
        JsonObject first;
        await using (var coordinator = new CoordinatorFactory(settings))
        {
            using var client = coordinator.CreateClient();
            first = await QueryAsync(client, prompt);
        }

        await using var restarted = new CoordinatorFactory(settings);
        using var restartedClient = restarted.CreateClient();
        var replay = await QueryAsync(restartedClient, prompt);

        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.True(replay["cached"]!.GetValue<bool>());
        Assert.Equal(first["response"]!.GetValue<string>(), replay["response"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_its_redis_the_coordinator_still_answers_and_stays_ready()
    {
        // A Redis that is not there: the cache misses, the request is answered by the model.
        var settings = stack.HybridSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"127.0.0.1:{LocalServerProcess.FreeTcpPort()},connectTimeout=500",
            // Only the exact cache is on Redis; the in-memory semantic cache would answer the repeat.
            ["ResponseCache:SemanticEnabled"] = "false",
        });
        await using var coordinator = new CoordinatorFactory(settings);
        using var client = coordinator.CreateClient();

        var first = await QueryAsync(client, HybridStackFixture.KnownPattern);
        var second = await QueryAsync(client, HybridStackFixture.KnownPattern);
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.False(second["cached"]!.GetValue<bool>());
        Assert.True(ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
    }
}
