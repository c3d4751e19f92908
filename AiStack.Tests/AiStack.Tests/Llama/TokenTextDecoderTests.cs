using AiStack.Llama.Generation;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class TokenTextDecoderTests(LlamaModelFixture fixture)
{
    [Fact]
    public void Characters_split_across_byte_tokens_are_emitted_whole()
    {
        const string text = "héllo 你好 🚀 world";
        var tokens = fixture.Model.Tokenize(text, addSpecial: false);
        Assert.True(tokens.Length > text.Split(' ').Length + 10, "the non-ASCII characters should fall back to byte tokens");

        var decoder = new TokenTextDecoder(fixture.Model);
        var pieces = tokens.Select(decoder.Append).ToList();
        pieces.Add(decoder.Flush());

        Assert.Equal(" " + text, string.Concat(pieces)); // the SentencePiece space prefix stays in streamed text
        Assert.All(pieces, piece => Assert.DoesNotContain('\uFFFD', piece));
        Assert.Contains("🚀", pieces);
    }

    [Fact]
    public async Task A_prompt_that_writes_its_own_bos_does_not_get_a_second_one()
    {
        var withOwnBos = await fixture.Generator.CompleteAsync("<s>hello world", LlamaModelFixture.Greedy(1));
        var plain = await fixture.Generator.CompleteAsync("hello world", LlamaModelFixture.Greedy(1));
        Assert.Equal("<s>", fixture.Model.BeginningOfSequenceText);
        Assert.Equal(plain.PromptTokens, withOwnBos.PromptTokens);
        Assert.Equal(plain.Text, withOwnBos.Text);
    }
}
