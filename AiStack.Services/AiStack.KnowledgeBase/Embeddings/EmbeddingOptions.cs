using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary><c>Embeddings</c> section.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>
    /// Which registered embedder to use: <c>minilm</c> (built in, the default), <c>llama</c> (a GGUF through AiStack.Llama),
    /// <c>hashing</c> (the word-hash fallback: lexical only, named in /health), or another provider registered as a keyed
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>.
    /// </summary>
    [Required(ErrorMessage = "Embeddings:Provider must name an embedder, for example 'minilm'.")]
    public string Provider { get; set; } = MiniLmProvider;

    /// <summary>Dimensions of the hashing fallback.</summary>
    [Range(16, 4096, ErrorMessage = "Embeddings:Dimensions must be between 16 and 4096.")]
    public int Dimensions { get; set; } = 384;

    /// <summary>Texts embedded per call to the generator.</summary>
    [Range(1, 4096, ErrorMessage = "Embeddings:BatchSize must be between 1 and 4096.")]
    public int BatchSize { get; set; } = 64;

    public const string MiniLmProvider = "minilm";

    public const string HashingProvider = "hashing";
}
