using AiStack.KnowledgeBase.Embeddings;

namespace AiStack.KnowledgeBase.Collections;

/// <summary>
/// The factor on the original's per-collection minimum scores (0.70-0.80, tuned for bge-small) that suits each built-in
/// embedder, measured on the labelled pairs of the tests (KnowledgeBase README, "Thresholds").
/// </summary>
public static class MinScoreScales
{
    /// <summary>
    /// all-MiniLM-L6-v2: puts codebase-context's 0.70 at 0.245, the 10th percentile of the answer chunks' cosines on the labelled
    /// set (median 0.42); the best unrelated chunk of a question has a median of about 0.22.
    /// </summary>
    public const double MiniLm = 0.35;

    /// <summary>The word hash: a good match scores 0.25-0.5, unrelated text below 0.1.</summary>
    public const double Hashing = 0.3;

    public static double For(string provider) => provider switch
    {
        EmbeddingOptions.MiniLmProvider => MiniLm,
        EmbeddingOptions.HashingProvider => Hashing,
        _ => 1.0,
    };
}
