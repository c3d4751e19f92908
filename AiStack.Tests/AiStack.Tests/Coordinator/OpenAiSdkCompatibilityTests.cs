using System.ClientModel;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace AiStack.Tests.Coordinator;

/// <summary>OpenAI's official .NET SDK against a real Coordinator whose remote is another real Coordinator over HTTP.</summary>
[Collection(ScriptedStackCollection.Name)]
public sealed class OpenAiSdkCompatibilityTests(ScriptedStackFixture stack)
{
    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private OpenAIClientOptions Options(Uri? address = null) => new() { Endpoint = new Uri(address ?? stack.HybridAddress, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };

    private ChatClient Chat(string model = "aistack-remote") => new(model, new ApiKeyCredential(ScriptedStackFixture.Key), Options());

    [Fact]
    public async Task The_sdk_lists_and_retrieves_models_and_the_remote_is_listed_because_it_is_configured()
    {
        var models = new OpenAIModelClient(new ApiKeyCredential(ScriptedStackFixture.Key), Options());

        var list = (await models.GetModelsAsync()).Value;
        var remote = (await models.GetModelAsync("aistack-remote")).Value;
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("gpt-17"));

        Assert.Equal(["aistack-hybrid", "aistack-local", "aistack-remote"], list.Select(m => m.Id));
        Assert.Equal("aistack-remote", remote.Id);
        Assert.Equal(404, missing.Status);
        Assert.Contains("The model 'gpt-17' does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_call_round_trips_through_the_remote_and_the_tools_reach_its_model_as_chat_options()
    {
        var chat = Chat();
        List<ChatMessage> messages = [new UserChatMessage("What is the weather in Paris?")];
        var options = new ChatCompletionOptions { Tools = { Weather }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather") };

        ChatCompletion first = await chat.CompleteChatAsync(messages, options);
        var remoteSaw = stack.RemoteModel.LastOptions;
        var call = Assert.Single(first.ToolCalls);
        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "sunny, 21 C"));
        ChatCompletion second = await chat.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { Weather } });

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        Assert.Equal("get_weather", Assert.Single(remoteSaw!.Tools!).Name);
        Assert.Equal("remote: the tool said sunny, 21 C", second.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
    }

    [Fact]
    public async Task A_streamed_tool_call_arrives_whole_with_usage()
    {
        var options = new ChatCompletionOptions { Tools = { Weather } };
        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("weather?")], options))
        {
            updates.Add(update);
        }

        var call = Assert.Single(updates.SelectMany(u => u.ToolCallUpdates));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArgumentsUpdate.ToString()).RootElement.GetProperty("city").GetString());
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.ToolCalls);
        Assert.Equal(5, updates.Last(u => u.Usage is not null).Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Json_schema_response_format_reaches_the_model_and_the_answer_is_json()
    {
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("answer", BinaryData.FromString("""{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}""")),
        };

        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Answer in JSON")], options);

        Assert.Equal("forty-two", JsonDocument.Parse(completion.Content[0].Text).RootElement.GetProperty("answer").GetString());
        var format = Assert.IsType<Microsoft.Extensions.AI.ChatResponseFormatJson>(stack.RemoteModel.LastOptions!.ResponseFormat);
        Assert.Equal("answer", format.SchemaName);
    }

    [Fact]
    public async Task Embeddings_are_the_same_under_the_sdks_default_encoding_and_float()
    {
        var embeddings = new EmbeddingClient("aistack-embedding", new ApiKeyCredential(ScriptedStackFixture.Key), Options());

        var byDefault = (await embeddings.GenerateEmbeddingsAsync(["first text", "second text"])).Value;
        var asFloat = (await embeddings.GenerateEmbeddingsAsync(["first text"], new EmbeddingGenerationOptions())).Value;

        Assert.Equal(2, byDefault.Count);
        Assert.All(byDefault, e => Assert.Equal(384, e.ToFloats().Length));
        Assert.Equal(asFloat[0].ToFloats().ToArray(), byDefault[0].ToFloats().ToArray());
        Assert.True(byDefault[0].ToFloats().ToArray().Sum(v => v * v) > 0.99, "a unit vector, not bytes misread as floats");
    }

    [Fact]
    public async Task Every_refusal_reaches_the_sdk_as_an_openai_error_with_its_message()
    {
        var wrongKey = new ChatClient("aistack-remote", new ApiKeyCredential("not-the-key"), Options());
        var unauthorized = await Assert.ThrowsAsync<ClientResultException>(() => wrongKey.CompleteChatAsync([new UserChatMessage("hi")]));
        var logprobs = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { IncludeLogProbabilities = true }));
        var image = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync([new UserChatMessage(
            ChatMessageContentPart.CreateTextPart("what is this?"), ChatMessageContentPart.CreateImagePart(new Uri("https://example.invalid/cat.png")))]));
        var strict = new ChatClient("aistack-local", new ApiKeyCredential(ScriptedStackFixture.Key), Options(stack.StrictAddress));
        var tooLarge = await Assert.ThrowsAsync<ClientResultException>(() => strict.CompleteChatAsync([new UserChatMessage(new string('x', ScriptedStackFixture.StrictBodyBytes * 2))]));

        Assert.Equal(401, unauthorized.Status);
        Assert.Contains("API key", unauthorized.Message, StringComparison.Ordinal);
        Assert.Equal(400, logprobs.Status);
        Assert.Contains("'logprobs' is not supported", logprobs.Message, StringComparison.Ordinal);
        Assert.Equal(400, image.Status);
        Assert.Contains("only text parts are supported", image.Message, StringComparison.Ordinal);
        Assert.Equal(413, tooLarge.Status);
        Assert.Contains($"larger than the {ScriptedStackFixture.StrictBodyBytes} bytes", tooLarge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_pinned_request_over_the_daily_budget_is_a_429_saying_so()
    {
        await using var coordinator = new CoordinatorFactory(new Dictionary<string, string?>
        {
            ["Remote:Endpoint"] = new Uri(stack.RemoteAddress, "/v1").ToString(),
            ["Remote:Model"] = "aistack-local",
            ["Remote:ApiKey"] = ScriptedStackFixture.Key,
            ["Routing:DailyRemoteTokenBudget"] = "0",
            ["Routing:DailyRemoteRequestBudget"] = "1",
        });
        var address = coordinator.StartOnPort(AiStack.AppHost.Infrastructure.LocalServerProcess.FreeTcpPort());
        var chat = new ChatClient("aistack-remote", new ApiKeyCredential(ScriptedStackFixture.Key), Options(address));

        await chat.CompleteChatAsync([new UserChatMessage("the one remote call of the day")]);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("one more")]));

        Assert.Equal(429, refused.Status);
        Assert.Contains("daily remote budget is used up", refused.Message, StringComparison.Ordinal);
    }
}
