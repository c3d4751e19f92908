using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using Microsoft.Extensions.AI;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>
/// A deterministic, dependency-free embedder: words, adjacent word pairs and character n-grams of each word are hashed
/// (signed feature hashing, FNV-1a + a 64-bit finalizer) into a fixed number of dimensions with sublinear term frequency,
/// then L2-normalized. Texts that share words or word parts get a high cosine similarity; it knows no synonyms.
/// Same text, same vector, on every machine and run.
/// </summary>
public sealed class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const float WordWeight = 1.0f;
    private const float PairWeight = 0.6f;
    private const float NGramWeight = 0.25f;

    private readonly EmbeddingGeneratorMetadata _metadata;

    public HashingEmbeddingGenerator(int dimensions = 384)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 16);
        Dimensions = dimensions;
        ModelId = $"aistack-hashing-v1-{dimensions}";
        _metadata = new EmbeddingGeneratorMetadata("aistack-hashing", null, ModelId, dimensions);
    }

    public int Dimensions { get; }

    public string ModelId { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(value)) { ModelId = ModelId });
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    /// <summary>The normalized vector of one text (all zeros when the text has no words).</summary>
    public float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new Dictionary<ulong, (int Count, float Weight)>();
        string? previous = null;
        foreach (var word in Words(text))
        {
            if (Retrieval.StopWords.Contains(word))
            {
                previous = null;
                continue;
            }

            Count(counts, Hash(1, word, null), WordWeight);
            if (previous is not null)
            {
                Count(counts, Hash(2, previous, word), PairWeight);
            }

            previous = word;
            var marked = "<" + word + ">";
            for (var n = 3; n <= 4; n++)
            {
                for (var i = 0; i + n <= marked.Length; i++)
                {
                    Count(counts, Hash((byte)(n + 10), marked.AsSpan(i, n), null), NGramWeight);
                }
            }
        }

        var vector = new float[Dimensions];
        foreach (var (hash, (count, weight)) in counts)
        {
            var value = weight * (1f + MathF.Log(count));
            vector[(int)(hash % (ulong)Dimensions)] += (hash >> 63) == 0 ? value : -value;
        }

        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    private static void Count(Dictionary<ulong, (int Count, float Weight)> counts, ulong hash, float weight)
    {
        counts[hash] = counts.TryGetValue(hash, out var existing) ? (existing.Count + 1, weight) : (1, weight);
    }

    private static IEnumerable<string> Words(string text)
    {
        try
        {
            // Compatibility decomposition, then dropping combining marks below: "Café" and "cafe" become the same word,
            // as in the keyword index (FTS5 remove_diacritics).
            text = text.Normalize(NormalizationForm.FormKD);
        }
        catch (ArgumentException)
        {
            // Ill-formed UTF-16 (a lone surrogate) cannot be normalized; hash it as it is.
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(c);
            }
        }

        text = builder.ToString();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && (char.IsLetterOrDigit(text[i]) || char.IsSurrogate(text[i]) || text[i] == '_');
            if (inWord)
            {
                if (start < 0)
                {
                    start = i;
                }
            }
            else if (start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    private static ulong Hash(byte kind, ReadOnlySpan<char> first, string? second)
    {
        var hash = 14695981039346656037UL ^ kind;
        hash = Mix(hash, first);
        if (second is not null)
        {
            hash = (hash ^ ' ') * 1099511628211UL;
            hash = Mix(hash, second);
        }

        // splitmix64 finalizer: spreads FNV's weak low bits over the whole word before taking the modulus and the sign.
        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9UL;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111ebUL;
        hash ^= hash >> 31;
        return hash;
    }

    private static ulong Mix(ulong hash, ReadOnlySpan<char> chars)
    {
        foreach (var c in chars)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
