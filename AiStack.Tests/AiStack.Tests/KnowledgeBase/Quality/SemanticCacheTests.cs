using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Tests.Coordinator;

namespace AiStack.Tests.KnowledgeBase.Quality;

/// <summary>
/// The Coordinator's semantic cache with its default threshold, embedding through the real KnowledgeBase's MiniLM: a reworded
/// question is answered from the cache, a negated one is not.
/// </summary>
[Collection(HybridStackCollection.Name)]
public sealed class SemanticCacheTests(HybridStackFixture stack)
{
    [Fact]
    public async Task A_reworded_question_is_answered_from_the_cache_and_a_negated_one_is_not()
    {
        await using var coordinator = new CoordinatorFactory(stack.Settings(stack.LocalModelPath));
        using var client = coordinator.CreateClient();

        var first = await QueryAsync(client, "How do I restart a service from the dashboard?");
        var reworded = await QueryAsync(client, "How can I restart a service from the dashboard?");
        var asked = await QueryAsync(client, "Why is the remote budget exhausted?");
        var negated = await QueryAsync(client, "Why is the remote budget not exhausted?");

        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.True(reworded["cached"]!.GetValue<bool>());
        Assert.Equal(first["response"]!.GetValue<string>(), reworded["response"]!.GetValue<string>());
        Assert.False(asked["cached"]!.GetValue<bool>());
        Assert.False(negated["cached"]!.GetValue<bool>());
    }

    private static async Task<JsonObject> QueryAsync(HttpClient client, string prompt)
    {
        using var response = await client.PostAsJsonAsync("/query", new { prompt, prefer_local = true, temperature = 0.0 });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
