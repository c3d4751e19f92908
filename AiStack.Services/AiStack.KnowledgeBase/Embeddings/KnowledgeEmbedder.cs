using System.Diagnostics;
using AiStack.KnowledgeBase.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>
/// The knowledge base's view of the configured <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: batches, traces,
/// normalizes (so a dot product is a cosine), and knows the model id and dimensions that vectors are stored with.
/// </summary>
public sealed class KnowledgeEmbedder(IEmbeddingGenerator<string, Embedding<float>> generator, IOptions<EmbeddingOptions> options) : IDisposable
{
    private const int CachedTextMaxChars = 2_000;

    // Queries repeat (the same question from Ralph's iterations, the Coordinator's probes); a model embedder is far slower
    // than this lookup. Only short texts are kept, so the cache holds queries, not documents.
    private readonly MemoryCache _queryVectors = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private int _dimensions;

    public string ModelId =>
        generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? options.Value.Provider;

    /// <summary>Vector length; asks the generator's metadata, or embeds a probe once.</summary>
    public async ValueTask<int> GetDimensionsAsync(CancellationToken cancellationToken = default)
    {
        if (_dimensions == 0)
        {
            var declared = generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions;
            _dimensions = declared ?? (await EmbedAsync(["dimension probe"], cancellationToken))[0].Length;
        }

        return _dimensions;
    }

    /// <summary>One text's vector; short texts are served from a cache of recent query vectors.</summary>
    public async Task<float[]> EmbedAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= CachedTextMaxChars && _queryVectors.TryGetValue(text, out float[]? cached))
        {
            return cached!;
        }

        var vector = (await EmbedAsync([text], cancellationToken))[0];
        if (text.Length <= CachedTextMaxChars)
        {
            _queryVectors.Set(text, vector, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });
        }

        return vector;
    }

    public void Dispose() => _queryVectors.Dispose();

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        using var activity = KnowledgeBaseTelemetry.ActivitySource.StartActivity("kb.embed");
        activity?.SetTag("kb.embed.texts", texts.Count);
        activity?.SetTag("kb.embed.model", ModelId);
        var vectors = new float[texts.Count][];
        var batch = options.Value.BatchSize;
        for (var offset = 0; offset < texts.Count; offset += batch)
        {
            var slice = texts.Skip(offset).Take(batch).ToList();
            var generated = await generator.GenerateAsync(slice, cancellationToken: cancellationToken);
            if (generated.Count != slice.Count)
            {
                throw new InvalidOperationException($"The embedder {ModelId} returned {generated.Count} vectors for {slice.Count} texts.");
            }

            for (var i = 0; i < generated.Count; i++)
            {
                vectors[offset + i] = VectorMath.Normalized(generated[i].Vector.Span);
            }
        }

        activity?.SetStatus(ActivityStatusCode.Ok);
        return vectors;
    }
}
