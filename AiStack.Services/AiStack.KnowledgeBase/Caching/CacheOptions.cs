using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Caching;

/// <summary><c>Cache</c> section. Redis is used when <c>ConnectionStrings:redis</c> is set, otherwise an in-process cache.</summary>
public sealed class CacheOptions
{
    public const string SectionName = "Cache";

    public bool Enabled { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Cache:TimeToLive must be between 1 second and 1 day.")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Entries kept by the in-process cache.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Cache:MaxEntries must be between 1 and 10000000.")]
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>How long one Redis operation may take before the cache is bypassed for that request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10", ErrorMessage = "Cache:RedisTimeout must be between 10 ms and 10 s.")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Prefix of every Redis key, so several stacks can share one server.</summary>
    public string KeyPrefix { get; set; } = "aistack:kb:";
}
