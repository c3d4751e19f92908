using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.Knowledge;

/// <summary>
/// Embeddings from the KnowledgeBase's /vector/embed, so the Coordinator's semantic cache and /v1/embeddings use the same
/// vectors as retrieval when no local embedding model is configured.
/// </summary>
public sealed class KnowledgeBaseEmbeddingGenerator(KnowledgeBaseClient knowledgeBase) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("aistack-knowledgebase", knowledgeBase.BaseAddress, "knowledgebase");

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var vectors = await knowledgeBase.EmbedAsync(values.ToList(), cancellationToken);
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = "knowledgebase" }));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null :
        serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata :
        serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
