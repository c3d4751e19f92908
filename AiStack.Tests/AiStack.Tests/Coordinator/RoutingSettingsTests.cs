using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Coordinator.Routing;

namespace AiStack.Tests.Coordinator;

/// <summary>GET/PATCH /settings: live, persisted, the one source of the threshold and budgets; changes show in events and /health.</summary>
[Collection(ScriptedStackCollection.Name)]
public sealed class RoutingSettingsTests(ScriptedStackFixture stack)
{
    private Dictionary<string, string?> Settings() => new()
    {
        ["services:knowledgebase:http:0"] = stack.KnowledgeBase.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority),
        ["Remote:Endpoint"] = new Uri(stack.RemoteAddress, "/v1").ToString(),
        ["Remote:Model"] = "aistack-local",
        ["Remote:ApiKey"] = ScriptedStackFixture.Key,
    };

    private static async Task<JsonObject> DecideAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/query", new { prompt = "a question nothing in the knowledge base is about", generate_response = false });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    [Fact]
    public async Task A_threshold_change_reroutes_at_once_is_announced_shows_in_health_and_survives_a_restart()
    {
        var home = Infrastructure.TestDirectories.NewPath("coordinator-settings");
        JsonObject before, after, health, settings, restarted;
        await using (var coordinator = new CoordinatorFactory(Settings(), ScriptedStackFixture.WithModel(new ScriptedChatClient("local")), home))
        {
            using var client = coordinator.CreateClient();
            settings = (await client.GetFromJsonAsync<JsonObject>("/settings"))!;
            before = await DecideAsync(client);

            using var patched = await client.PatchAsJsonAsync("/settings", new { local_confidence_threshold = 0.0 });
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            after = await DecideAsync(client);
            health = (await client.GetFromJsonAsync<JsonObject>("/health"))!;
        }

        await using (var coordinator = new CoordinatorFactory(Settings(), ScriptedStackFixture.WithModel(new ScriptedChatClient("local")), home))
        {
            using var client = coordinator.CreateClient();
            restarted = (await client.GetFromJsonAsync<JsonObject>("/settings"))!;
        }

        Assert.Equal(new RoutingOptions().LocalConfidenceThreshold, settings["local_confidence_threshold"]!.GetValue<double>());
        Assert.Equal(200_000, settings["daily_remote_token_budget"]!.GetValue<long>());
        Assert.Equal(0, settings["daily_remote_request_budget"]!.GetValue<int>());
        Assert.Equal(("remote", "low_confidence"), (before["route"]!.GetValue<string>(), before["reason"]!.GetValue<string>()));
        Assert.Equal(("local", "high_confidence"), (after["route"]!.GetValue<string>(), after["reason"]!.GetValue<string>()));
        var entry = health["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "routing_settings")!;
        Assert.Equal(0.0, entry["data"]!["local_confidence_threshold"]!.GetValue<double>());
        Assert.Equal(0.0, restarted["local_confidence_threshold"]!.GetValue<double>());
        Assert.Equal(200_000, restarted["daily_remote_token_budget"]!.GetValue<long>());
        var changed = (await File.ReadAllLinesAsync(Path.Combine(home, "spool", "coordinator.jsonl")))
            .Select(l => JsonNode.Parse(l)!).Single(e => e["type"]!.GetValue<string>() == "routing_settings_changed");
        Assert.Equal(new RoutingOptions().LocalConfidenceThreshold, changed["payload"]!["before"]!["local_confidence_threshold"]!.GetValue<double>());
        Assert.Equal(0.0, changed["payload"]!["after"]!["local_confidence_threshold"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_budget_change_applies_to_the_next_request()
    {
        await using var coordinator = new CoordinatorFactory(Settings(), ScriptedStackFixture.WithModel(new ScriptedChatClient("local")));
        using var client = coordinator.CreateClient();

        Assert.Equal("remote", (await DecideAsync(client))["route"]!.GetValue<string>());
        (await client.PatchAsJsonAsync("/settings", new { daily_remote_request_budget = 1 })).EnsureSuccessStatusCode();
        using (var answered = await client.PostAsJsonAsync("/query", new { prompt = "spend the one remote request" }))
        {
            answered.EnsureSuccessStatusCode();
        }

        var spent = await DecideAsync(client);
        var stats = (await client.GetFromJsonAsync<JsonObject>("/stats"))!;

        Assert.Equal(("local", "budget_exhausted"), (spent["route"]!.GetValue<string>(), spent["reason"]!.GetValue<string>()));
        Assert.Equal(1, stats["budget"]!["request_limit"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"local_confidence_threshold": 1.5}""", "local_confidence_threshold")]
    [InlineData("""{"daily_remote_token_budget": -1}""", "daily_remote_token_budget")]
    [InlineData("""{"daily_remote_request_budget": -3}""", "daily_remote_request_budget")]
    [InlineData("""{}""", "at least one")]
    [InlineData("""{"local_confidence_threshold": "high"}""", "local_confidence_threshold")]
    public async Task An_invalid_change_is_a_400_naming_the_field_and_changes_nothing(string body, string named)
    {
        await using var coordinator = new CoordinatorFactory(Settings(), ScriptedStackFixture.WithModel(new ScriptedChatClient("local")));
        using var client = coordinator.CreateClient();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PatchAsync(new Uri("/settings", UriKind.Relative), content);
        var settings = (await client.GetFromJsonAsync<JsonObject>("/settings"))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(new RoutingOptions().LocalConfidenceThreshold, settings["local_confidence_threshold"]!.GetValue<double>());
    }
}
