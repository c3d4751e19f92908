using Microsoft.Extensions.AI;

namespace AiStack.KnowledgeBase.Embeddings.MiniLm;

/// <summary>all-MiniLM-L6-v2 (384 dimensions, normalized) as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
public sealed class MiniLmEmbeddingGenerator(MiniLmModel model) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("onnxruntime", null, MiniLmModel.ModelId, MiniLmModel.Dimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var vectors = await model.EmbedAsync(values.ToList(), cancellationToken);
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = MiniLmModel.ModelId }));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType == typeof(MiniLmModel) ? model
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    // The model is shared by the process (MiniLmModel.Shared), so the generator does not own it.
    public void Dispose()
    {
    }
}
