using System.ComponentModel.DataAnnotations;

namespace AiStack.Coordinator.Caching;

/// <summary>Response cache settings (section <c>ResponseCache</c>).</summary>
public sealed class ResponseCacheOptions
{
    public const string Section = "ResponseCache";

    public bool Enabled { get; set; } = true;

    /// <summary>Cosine similarity at or above which a new prompt reuses a cached answer (the original's 0.95).</summary>
    [Range(0.5, 1.0)]
    public double SemanticThreshold { get; set; } = 0.95;

    public bool SemanticEnabled { get; set; } = true;

    [Range(1, 1_000_000)]
    public int MaxEntries { get; set; } = 2_000;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(1);
}
