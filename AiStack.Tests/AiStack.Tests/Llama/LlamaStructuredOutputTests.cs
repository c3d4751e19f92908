using System.Text;
using System.Text.Json;
using AiStack.Llama.AI;
using AiStack.Llama.Grammars;
using AiStack.Llama.Generation;
using AiStack.Llama.Gguf;
using AiStack.Llama.Hosting;
using AiStack.Llama.Models;
using AiStack.Llama.Runtime;
using AiStack.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.AI;

namespace AiStack.Tests.Llama;

/// <summary>response_format and tools on the local model: grammar-constrained output from real llama.cpp.</summary>
[Collection(LlamaCollection.Name)]
public sealed class LlamaStructuredOutputTests(LlamaStructuredOutputTests.LongContextModel fixture) : IClassFixture<LlamaStructuredOutputTests.LongContextModel>
{
    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "answer": { "type": "string", "maxLength": 12 },
            "confidence": { "type": "number" },
            "tags": { "type": "array", "items": { "enum": ["cache", "code", "data"] }, "maxItems": 3 },
            "done": { "type": "boolean" }
          },
          "required": ["answer", "confidence", "done"]
        }
        """;

    private static readonly ChatMessage[] Question = [new(ChatRole.User, "How do I configure the cache? Answer in JSON.")];

    private LlamaChatClient Client => new(new LoadedGenerator(fixture.Generator));

    private static AIFunctionDeclaration Weather { get; } = AIFunctionFactory.CreateDeclaration(
        "get_weather", "The weather in a city.",
        JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string","maxLength":16},"days":{"type":"integer"}},"required":["city","days"]}""").RootElement);

    private static AIFunctionDeclaration Search { get; } = AIFunctionFactory.CreateDeclaration(
        "search_code", "Searches the code.",
        JsonDocument.Parse("""{"type":"object","properties":{"query":{"type":"string","maxLength":20}},"required":["query"]}""").RootElement);

    [Fact]
    public async Task Json_schema_output_parses_and_fits_the_schema()
    {
        var options = new ChatOptions
        {
            Temperature = 0, MaxOutputTokens = 200,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(Schema).RootElement, "answer"),
        };
        var response = await Client.GetResponseAsync(Question, options);

        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        using var json = JsonDocument.Parse(response.Text);
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.String, root.GetProperty("answer").ValueKind);
        Assert.InRange(root.GetProperty("answer").GetString()!.Length, 0, 12);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("confidence").ValueKind);
        Assert.True(root.GetProperty("done").ValueKind is JsonValueKind.True or JsonValueKind.False);
        if (root.TryGetProperty("tags", out var tags))
        {
            Assert.All(tags.EnumerateArray(), t => Assert.Contains(t.GetString(), new[] { "cache", "code", "data" }));
        }
    }

    [Fact]
    public async Task Json_object_mode_constrains_every_streamed_token_to_json()
    {
        // A random-weight model never closes an open-ended string, so the answer runs to the token limit: what is checked
        // is that every token the grammar let through continues a JSON object, which the same request without it does not.
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 60, ResponseFormat = ChatResponseFormat.Json };
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Client.GetStreamingResponseAsync(Question, options))
        {
            text.Append(update.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.True(IsJsonObjectPrefix(text.ToString()), text.ToString());
        var free = await Client.GetResponseAsync(Question, new ChatOptions { Temperature = 0, MaxOutputTokens = 60 });
        Assert.False(IsJsonObjectPrefix(free.Text), free.Text);
    }

    [Fact]
    public async Task A_schema_keyword_that_cannot_be_enforced_is_refused_by_name()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"string","pattern":"^[a-z]+$"}}}""").RootElement;
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema) };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.GetResponseAsync(Question, options));
        Assert.Contains("'pattern'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_required_tool_call_comes_back_as_function_call_content_with_arguments_that_fit()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 120, Tools = [Weather, Search], ToolMode = ChatToolMode.RequireAny };
        var response = await Client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the weather in Paris?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Contains(call.Name, new[] { "get_weather", "search_code" });
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        var required = call.Name == "get_weather" ? new[] { "city", "days" } : ["query"];
        Assert.Equal(required.Order(), call.Arguments!.Keys.Order());
        Assert.True(response.Usage!.OutputTokenCount > 0);
    }

    [Fact]
    public async Task A_named_tool_is_called_when_streaming_and_the_call_arrives_whole_in_the_last_update()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 120, Tools = [Weather, Search], ToolMode = ChatToolMode.RequireSpecific("search_code") };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Find the cache code.")], options))
        {
            updates.Add(update);
        }

        Assert.All(updates.SkipLast(1), u => Assert.Empty(u.Text)); // no half-written JSON is streamed
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.ToolCalls, last.FinishReason);
        var call = Assert.Single(last.Contents.OfType<FunctionCallContent>());
        Assert.Equal("search_code", call.Name);
        Assert.IsType<JsonElement>(call.Arguments!["query"]);
        Assert.Single(last.Contents.OfType<UsageContent>());
    }

    [Fact]
    public async Task A_conversation_with_a_call_and_its_result_continues_and_a_tool_named_but_not_offered_is_refused()
    {
        ChatMessage[] conversation =
        [
            new(ChatRole.User, "What is the weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 1 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "sunny, 21 C")]),
        ];
        var response = await Client.GetResponseAsync(conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 8, Tools = [Weather], ToolMode = ChatToolMode.None });
        Assert.NotNull(response.FinishReason);
        Assert.True(response.Usage!.InputTokenCount > 20);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.GetResponseAsync(
            conversation, new ChatOptions { Tools = [Weather], ToolMode = ChatToolMode.RequireSpecific("delete_everything") }));
        Assert.Contains("delete_everything", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_whose_template_uses_tool_call_tags_gets_hermes_style_tools_and_calls_in_tags()
    {
        // Qwen 2.5's convention: tools in <tools></tools>, calls in <tool_call></tool_call>; ChatML otherwise.
        var path = Path.Combine(fixture.Directory, "hermes.gguf");
        TinyModelWriter.Write(path, TinyModelSpec.Tiny with
        {
            ContextLength = 2048,
            ChatTemplate = TinyModelWriter.ChatTemplate + "{# tools: <tools></tools>, answers: <tool_call></tool_call> #}",
        });
        using var model = LlamaModel.Load(new LlamaModelOptions { Path = path, ContextSize = 2048, Threads = 1, ContextPoolSize = 1 });
        using var generator = new LlamaTextGenerator(model);
        var client = new LlamaChatClient(new LoadedGenerator(generator));
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 120, Tools = [Weather], ToolMode = ChatToolMode.RequireAny };

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Paris?")], options);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        var tools = LlamaToolCalling.For(options, model)!;
        Assert.Contains("<tools>", tools.Instructions(), StringComparison.Ordinal);
        Assert.StartsWith("root ::= \"<tool_call>\\n\"", tools.Grammar(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_auto_mode_an_answer_that_is_not_a_call_streams_as_text_and_a_call_is_recognised()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 24, Tools = [Weather, Search], ToolMode = ChatToolMode.Auto };
        var whole = await Client.GetResponseAsync(Question, options);
        var streamed = new StringBuilder();
        await foreach (var update in Client.GetStreamingResponseAsync(Question, options))
        {
            streamed.Append(update.Text);
            Assert.Empty(update.Contents.OfType<FunctionCallContent>());
        }

        Assert.Empty(whole.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(whole.Text, streamed.ToString());

        var tools = LlamaToolCalling.For(options, fixture.Model)!;
        Assert.False(tools.MustCall);
        Assert.True(tools.CouldBeCall("  {\"na"));
        Assert.False(tools.CouldBeCall("The weather"));
        var call = tools.Parse("""{"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}""");
        Assert.Equal("get_weather", call!.Name);
        Assert.Equal(2, ((JsonElement)call.Arguments!["days"]!).GetInt32());
        Assert.Null(tools.Parse("""{"name": "unknown_tool", "arguments": {}}"""));
        Assert.Null(tools.Parse("{ not json"));
    }

    [Fact]
    public void Schema_grammars_name_each_rule_once_and_escape_literals()
    {
        var grammar = JsonGrammar.FromSchema(JsonDocument.Parse("""
            {"$defs":{"node":{"type":"object","properties":{"name":{"const":"a\"b"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["name"]}},
             "$ref":"#/$defs/node"}
            """).RootElement);
        var names = grammar.Split('\n').Where(l => l.Contains("::=", StringComparison.Ordinal)).Select(l => l[..l.IndexOf("::=", StringComparison.Ordinal)].Trim()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.StartsWith("root ::= ref-node-", grammar, StringComparison.Ordinal);
        Assert.Contains("\"\\\"a\\\\\\\"b\\\"\"", grammar, StringComparison.Ordinal); // the JSON text "a\"b" as a GBNF literal
    }

    private static bool IsJsonObjectPrefix(string text)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A generated model with a 2048-token context: tool descriptions take several hundred of the tiny vocabulary's tokens.</summary>
    public sealed class LongContextModel : IDisposable
    {
        public LongContextModel()
        {
            LlamaRuntime.EnsureLoaded(Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"), NullLoggerFactory.Instance);
            Directory = TestDirectories.Create("llama-structured");
            var path = Path.Combine(Directory, "tools.gguf");
            TinyModelWriter.Write(path, TinyModelSpec.Tiny with { ContextLength = 2048 });
            Model = LlamaModel.Load(new LlamaModelOptions
            {
                Path = path, NativeLibraryPath = Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"), ContextSize = 2048, Threads = 1, ContextPoolSize = 1,
            });
            Generator = new LlamaTextGenerator(Model);
        }

        public string Directory { get; }

        public LlamaModel Model { get; }

        public LlamaTextGenerator Generator { get; }

        public void Dispose()
        {
            Generator.Dispose();
            Model.Dispose();
            TestDirectories.Delete(Directory);
        }
    }
}
