using System.Text;
using AiStack.Llama.AI;
using AiStack.Llama.Hosting;
using Microsoft.Extensions.AI;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaChatClientTests(LlamaModelFixture fixture)
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "You answer questions about code."),
        new(ChatRole.User, "What does this function return?"),
    ];

    private LlamaChatClient Client => new(new LoadedGenerator(fixture.Generator));

    [Fact]
    public async Task Streaming_yields_the_same_text_usage_and_finish_reason_as_a_whole_response()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 20 };
        var response = await Client.GetResponseAsync(Conversation, options);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        await foreach (var update in Client.GetStreamingResponseAsync(Conversation, options))
        {
            text.Append(update.Text);
            finish ??= update.FinishReason;
            usage ??= update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        }

        Assert.NotEmpty(response.Text);
        Assert.Equal(response.Text, text.ToString());
        Assert.Equal(response.FinishReason, finish);
        Assert.Equal(response.Usage!.InputTokenCount, usage!.InputTokenCount);
        Assert.Equal(response.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [Fact]
    public async Task A_response_reports_usage_finish_reason_and_model()
    {
        var response = await Client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 7 });
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(7, response.Usage!.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 10);
        Assert.Equal("tiny.gguf", response.ModelId);
        var metadata = Client.GetService<ChatClientMetadata>();
        Assert.Equal("llama.cpp", metadata!.ProviderName);
        Assert.Equal("tiny.gguf", metadata.DefaultModelId);
    }

    [Fact]
    public void Chat_options_map_onto_llama_sampling()
    {
        var options = new ChatOptions
        {
            MaxOutputTokens = 99, Temperature = 0.3f, TopP = 0.8f, TopK = 12, Seed = 5, StopSequences = ["END"],
            FrequencyPenalty = 0.2f, PresencePenalty = 0.1f,
            AdditionalProperties = new AdditionalPropertiesDictionary { ["min_p"] = 0.2f, ["repeat_penalty"] = 1.3f },
        };
        var sampling = Client.ToSamplingOptions(options);
        Assert.Equal(99, sampling.MaxTokens);
        Assert.Equal(0.3f, sampling.Temperature);
        Assert.Equal(0.8f, sampling.TopP);
        Assert.Equal(12, sampling.TopK);
        Assert.Equal(5u, sampling.Seed);
        Assert.Equal(["END"], sampling.StopSequences);
        Assert.Equal(0.2f, sampling.FrequencyPenalty);
        Assert.Equal(0.1f, sampling.PresencePenalty);
        Assert.Equal(0.2f, sampling.MinP);
        Assert.Equal(1.3f, sampling.RepeatPenalty);
    }
}
