using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary><c>Embeddings</c> section.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>
    /// Which registered embedder to use: <c>hashing</c> (built in) or another provider registered as a keyed
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> (AiStack.Llama adds <c>llama</c>).
    /// </summary>
    [Required(ErrorMessage = "Embeddings:Provider must name an embedder, for example 'hashing'.")]
    public string Provider { get; set; } = HashingProvider;

    /// <summary>Dimensions of the hashing embedder.</summary>
    [Range(16, 4096, ErrorMessage = "Embeddings:Dimensions must be between 16 and 4096.")]
    public int Dimensions { get; set; } = 384;

    /// <summary>Texts embedded per call to the generator.</summary>
    [Range(1, 4096, ErrorMessage = "Embeddings:BatchSize must be between 1 and 4096.")]
    public int BatchSize { get; set; } = 64;

    public const string HashingProvider = "hashing";
}
