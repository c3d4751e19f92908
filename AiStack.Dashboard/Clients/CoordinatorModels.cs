namespace AiStack.Dashboard.Clients;

// The Coordinator's GET /stats as the control center reads it.

public sealed record CacheStats(long Hits, long Misses, double HitRate);

public sealed record BudgetStats(long TokensUsed, long TokenLimit, int RequestsUsed, int RequestLimit, bool Exhausted, DateTimeOffset ResetsAt)
{
    public long TokensLeft => Math.Max(0, TokenLimit - TokensUsed);
}

public sealed record BackendStats(bool Configured, string Name, string CircuitBreaker, string? UnavailableReason);

public sealed record CoordinatorStats(
    long TotalQueries, long ContextHits, double ContextHitRate, DateTimeOffset? LastQueryAt, IReadOnlyDictionary<string, long> Routes,
    IReadOnlyDictionary<string, long> RouteReasons, CacheStats Cache, BudgetStats Budget, IReadOnlyDictionary<string, BackendStats> Backends);
