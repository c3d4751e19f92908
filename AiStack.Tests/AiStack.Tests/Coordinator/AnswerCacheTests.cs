using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AiStack.Tests.Coordinator;

/// <summary>The answer caches as an OpenAI client sees them: only deterministic requests replay, and a replay says so.</summary>
[Collection(ScriptedStackCollection.Name)]
public sealed class AnswerCacheTests(ScriptedStackFixture stack)
{
    private static async Task<(JsonObject Body, HttpResponseMessage Response)> ChatAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return (JsonNode.Parse(text)!.AsObject(), response);
    }

    [Fact]
    public async Task A_deterministic_repeat_is_replayed_with_its_usage_and_marked_but_a_sampling_one_never_is()
    {
        var model = new ScriptedChatClient("local");
        await using var coordinator = new CoordinatorFactory(new Dictionary<string, string?>
        {
            ["services:knowledgebase:http:0"] = stack.KnowledgeBase.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority),
        }, ScriptedStackFixture.WithModel(model));
        using var client = coordinator.CreateClient();
        object Request(float? temperature) => new { model = "aistack-local", temperature, messages = new[] { new { role = "user", content = "cache me" } } };

        var (first, _) = await ChatAsync(client, Request(0));
        var (replayed, replayedResponse) = await ChatAsync(client, Request(0));
        var callsAfterDeterministic = model.Calls;
        await ChatAsync(client, Request(1));
        await ChatAsync(client, Request(1));
        await ChatAsync(client, Request(null));
        await ChatAsync(client, Request(null));

        Assert.Equal(1, callsAfterDeterministic);
        Assert.Equal(5, model.Calls);
        Assert.Equal("aistack", first["system_fingerprint"]!.GetValue<string>());
        Assert.Equal("aistack-cache", replayed["system_fingerprint"]!.GetValue<string>());
        Assert.Equal("hit", replayedResponse.Headers.GetValues("X-AiStack-Cache").Single());
        Assert.Equal(first["choices"]![0]!["message"]!["content"]!.GetValue<string>(), replayed["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(15, replayed["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal("local", replayedResponse.Headers.GetValues("X-AiStack-Route").Single());
    }

    [Fact]
    public async Task A_private_request_with_tools_reaches_the_local_model_as_chat_options_and_never_the_remote()
    {
        using var client = stack.Hybrid.CreateClient();
        var remoteCalls = stack.RemoteModel.Calls;
        var (answer, response) = await ChatAsync(client, new
        {
            model = "aistack-hybrid",
            @private = true,
            messages = new[] { new { role = "user", content = "weather in Paris, privately" } },
            tools = new[] { new { type = "function", function = new { name = "get_weather", parameters = new { type = "object", properties = new { city = new { type = "string" } } } } } },
            tool_choice = "required",
            response_format = new { type = "json_object" },
        });

        Assert.Equal(("local", "private"), (response.Headers.GetValues("X-AiStack-Route").Single(), response.Headers.GetValues("X-AiStack-Route-Reason").Single()));
        Assert.Equal("tool_calls", answer["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal("get_weather", Assert.Single(stack.LocalModel.LastOptions!.Tools!).Name);
        Assert.IsType<Microsoft.Extensions.AI.RequiredChatToolMode>(stack.LocalModel.LastOptions.ToolMode);
        Assert.IsType<Microsoft.Extensions.AI.ChatResponseFormatJson>(stack.LocalModel.LastOptions.ResponseFormat);
        Assert.Equal(remoteCalls, stack.RemoteModel.Calls);
    }
}
