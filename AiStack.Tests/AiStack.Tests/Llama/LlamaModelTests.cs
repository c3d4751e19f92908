using AiStack.Llama.Gguf;
using AiStack.Llama.Models;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaModelTests(LlamaModelFixture fixture)
{
    [Fact]
    public void The_generated_model_loads_with_the_shape_it_was_written_with()
    {
        var model = fixture.Model;
        Assert.Equal("tiny.gguf", model.ModelId);
        Assert.Equal(TinyModelSpec.Tiny.VocabularySize, model.VocabularySize);
        Assert.Equal(TinyModelSpec.Tiny.EmbeddingLength, model.EmbeddingSize);
        Assert.Equal(TinyModelSpec.Tiny.LayerCount, model.LayerCount);
        Assert.Equal(TinyModelSpec.Tiny.ContextLength, model.TrainContextLength);
        Assert.Equal(TinyModelWriter.ChatTemplate, model.ChatTemplate);
    }

    [Theory]
    [InlineData("hello world, the code is good")]
    [InlineData("public class Answer { return value; }")]
    public void Ascii_text_round_trips_through_tokens(string text)
    {
        var tokens = fixture.Model.Tokenize(text, addSpecial: false);
        Assert.True(tokens.Length < text.Length, $"whole words should be single tokens, got {tokens.Length} tokens for {text.Length} characters");
        Assert.Equal(text, fixture.Model.Detokenize(tokens));
    }

    [Theory]
    [InlineData("héllo wörld")]
    [InlineData("你好，世界 🚀 ∑ π")]
    public void Multibyte_utf8_text_round_trips_through_byte_tokens(string text)
    {
        var tokens = fixture.Model.Tokenize(text, addSpecial: false);
        Assert.Equal(text, fixture.Model.Detokenize(tokens));
    }

    [Fact]
    public void Adding_special_tokens_prepends_bos()
    {
        var tokens = fixture.Model.Tokenize("hello", addSpecial: true);
        Assert.Equal(fixture.Model.BeginningOfSequence, tokens[0]);
    }

    [Fact]
    public void The_models_own_chatml_template_formats_a_conversation()
    {
        var prompt = fixture.Model.ApplyChatTemplate([new LlamaChatTurn("system", "be brief"), new LlamaChatTurn("user", "hello")]);
        Assert.Equal("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n", prompt);
        var tokens = fixture.Model.Tokenize(prompt, addSpecial: false, parseSpecial: true);
        Assert.Equal(3, tokens.Count(t => t == 3)); // <|im_start|> is one control token
    }
}
