using System.Numerics.Tensors;
using AiStack.Llama.AI;
using AiStack.Llama.Hosting;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaEmbeddingTests(LlamaModelFixture fixture)
{
    [Fact]
    public async Task Embeddings_have_the_models_dimension_are_normalized_and_deterministic()
    {
        using var generator = new LlamaEmbeddingGenerator(new LoadedEmbedder(fixture.Embedder));
        var first = await generator.GenerateAsync(["how to read a file in python", "the cache server is down"]);
        var again = await generator.GenerateAsync(["how to read a file in python"]);

        Assert.Equal(2, first.Count);
        foreach (var embedding in first)
        {
            Assert.Equal(fixture.Model.EmbeddingSize, embedding.Vector.Length);
            Assert.Equal(1.0, TensorPrimitives.Norm(embedding.Vector.Span), 4);
            Assert.Equal("tiny.gguf", embedding.ModelId);
        }

        Assert.Equal(first[0].Vector.ToArray(), again[0].Vector.ToArray());
        Assert.True(TensorPrimitives.CosineSimilarity(first[0].Vector.Span, first[1].Vector.Span) < 0.9999f);
        Assert.True(first.Usage!.InputTokenCount > 4);
    }
}
