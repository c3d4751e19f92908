using AiStack.Llama.Hosting;
using Microsoft.Extensions.AI;

namespace AiStack.Llama.AI;

/// <summary><see cref="IEmbeddingGenerator{TInput,TEmbedding}"/> over a llama.cpp embedding model (mean pooling, L2-normalized).</summary>
public sealed class LlamaEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ILlamaEmbedderSource _source;

    public LlamaEmbeddingGenerator(ILlamaEmbedderSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        Metadata = new EmbeddingGeneratorMetadata("llama.cpp", defaultModelId: source.ModelId);
    }

    public EmbeddingGeneratorMetadata Metadata { get; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var embedder = await _source.GetEmbedderAsync(cancellationToken);
        var results = new GeneratedEmbeddings<Embedding<float>>();
        var tokens = 0L;
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var embedding = await embedder.EmbedAsync(value, cancellationToken);
            tokens += embedding.TokenCount;
            results.Add(new Embedding<float>(embedding.Vector) { ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow });
        }

        results.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return results;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return Metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        // The embedder belongs to its source.
    }
}
