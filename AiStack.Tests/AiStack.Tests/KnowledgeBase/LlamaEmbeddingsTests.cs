using AiStack.Contracts.KnowledgeBase;
using AiStack.Llama.Gguf;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>With Inference:EmbeddingModelPath set, the KnowledgeBase embeds with the local llama.cpp model instead of hashing.</summary>
public sealed class LlamaEmbeddingsTests
{
    [Fact]
    public async Task A_configured_embedding_model_embeds_documents_and_queries()
    {
        var folder = Infrastructure.TestDirectories.Create("kb-llama");
        var model = Path.Combine(folder, "embedder.gguf");
        TinyModelWriter.Write(model, TinyModelSpec.Tiny);
        await using var factory = new KnowledgeBaseFactory(settings: new Dictionary<string, string?>
        {
            ["Inference:EmbeddingModelPath"] = model,
            ["Inference:Threads"] = "1",
            ["Inference:EmbeddingContextSize"] = "256",
        });
        using var client = factory.CreateApiClient();

        var embedded = await (await client.PostJsonAsync("/vector/embed", new { texts = new[] { "configure the cache" } })).ReadAsync<EmbedResponse>();
        (await client.PostJsonAsync("/documents", new { project = "p", title = "Cache", content = "configure the cache", collection = "best-practices" }))
            .EnsureSuccessStatusCode();
        var context = await (await client.PostJsonAsync("/context", new { query = "configure the cache", min_score = 0 })).ReadAsync<ContextResponse>();

        Assert.Equal(TinyModelSpec.Tiny.EmbeddingLength, embedded.Dimensions);
        Assert.Contains("embedder.gguf", embedded.Model, StringComparison.Ordinal);
        Assert.Equal(1.0, Math.Sqrt(embedded.Embeddings[0].Sum(v => (double)v * v)), 3);
        Assert.Equal("Cache", context.Results[0].Title);
        Assert.True(context.Results[0].Score > 0.99, "a text's own embedding should match itself");
        Infrastructure.TestDirectories.Delete(folder);
    }
}
