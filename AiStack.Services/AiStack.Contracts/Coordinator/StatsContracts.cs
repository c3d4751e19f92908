namespace AiStack.Contracts.Coordinator;

// GET /stats of the Coordinator: queries by route and reason, the response cache, the remote budget and each backend's breaker.

public sealed record CacheStats(long Hits, long Misses, double HitRate);

public sealed record BudgetStats(long TokensUsed, long TokenLimit, int RequestsUsed, int RequestLimit, bool Exhausted, DateTimeOffset ResetsAt);

public sealed record BackendStats(bool Configured, string Name, string CircuitBreaker, string? UnavailableReason);

public sealed record CoordinatorStats(
    long TotalQueries,
    long ContextHits,
    double ContextHitRate,
    DateTimeOffset? LastQueryAt,
    IReadOnlyDictionary<string, long> AgentTypes,
    IReadOnlyDictionary<string, long> Routes,
    IReadOnlyDictionary<string, long> RouteReasons,
    CacheStats Cache,
    BudgetStats Budget,
    IReadOnlyDictionary<string, BackendStats> Backends);
