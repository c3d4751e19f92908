using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary><c>Retrieval</c> section: tuning of the keyword half of hybrid retrieval.</summary>
public sealed class RetrievalOptions
{
    public const string SectionName = "Retrieval";

    /// <summary>
    /// A query word found in more than this share of all chunks is too common to rank by (like a stop word in this corpus) and
    /// is left out of the keyword query, which also keeps ranking cheap on large corpora. The two rarest words always stay.
    /// </summary>
    [Range(0.0001, 1.0, ErrorMessage = "Retrieval:CommonWordRatio must be between 0.0001 and 1.")]
    public double CommonWordRatio { get; set; } = 0.05;

    /// <summary>Below this many chunks every query word is used (document frequencies mean little in a tiny corpus).</summary>
    [Range(0, int.MaxValue)]
    public int CommonWordMinimumChunks { get; set; } = 2_000;

    /// <summary>At most this many distinct words of a query are searched.</summary>
    [Range(1, 64, ErrorMessage = "Retrieval:MaxKeywordWords must be between 1 and 64.")]
    public int MaxKeywordWords { get; set; } = 12;

    /// <summary>
    /// Weight of the keyword ranking in the fusion (the vector ranking's is 1). Chosen on the labelled retrieval set
    /// (KnowledgeBase README, "Retrieval quality"): with a sentence model, equal weights let chunks that merely share words
    /// push the answer out of the top five.
    /// </summary>
    [Range(0.0, 10.0, ErrorMessage = "Retrieval:KeywordWeight must be between 0 and 10.")]
    public double KeywordWeight { get; set; } = 0.1;

    /// <summary>
    /// Keyword hits ranked this high pass the minimum score whatever their cosine: an exact term (an error code, a setting's
    /// name) is often the best answer and embeds far from a question about it. 0 turns this off. Chosen on the labelled
    /// retrieval set (KnowledgeBase README, "Retrieval quality").
    /// </summary>
    [Range(0, 100, ErrorMessage = "Retrieval:StrongKeywordRank must be between 0 and 100.")]
    public int StrongKeywordRank { get; set; } = 2;
}
