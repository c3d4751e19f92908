using System.ComponentModel.DataAnnotations;

namespace AiStack.Coordinator.Caching;

/// <summary>Response cache settings (section <c>ResponseCache</c>).</summary>
public sealed class ResponseCacheOptions
{
    public const string Section = "ResponseCache";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Cosine similarity at or above which a new prompt reuses a cached answer. The original's 0.95 lets all-MiniLM-L6-v2 (which
    /// barely sees "not") answer a negated question from the cache; 0.996 sits just above every different-question pair of the
    /// labelled set (KnowledgeBase README, "Thresholds").
    /// </summary>
    [Range(0.5, 1.0)]
    public double SemanticThreshold { get; set; } = 0.996;

    public bool SemanticEnabled { get; set; } = true;

    [Range(1, 1_000_000)]
    public int MaxEntries { get; set; } = 2_000;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(1);
}
