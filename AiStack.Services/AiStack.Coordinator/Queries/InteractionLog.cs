using System.Collections.Concurrent;

namespace AiStack.Coordinator.Queries;

/// <summary>One answered query, kept so that feedback can refer to it by id.</summary>
public sealed record Interaction(
    string Id,
    string Query,
    string? Response,
    string Route,
    string Reason,
    string? AgentType,
    long Tokens,
    double LatencyMs,
    int ContextCount,
    DateTimeOffset At)
{
    public string? Outcome { get; set; }

    public int? Rating { get; set; }
}

/// <summary>
/// Recent interactions (bounded, newest kept) and the running counters behind GET /stats.
/// Durable history belongs to the Learning service, which receives every interaction as a telemetry event.
/// </summary>
public sealed class InteractionLog(TimeProvider time)
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, Interaction> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly ConcurrentDictionary<string, long> _agentTypes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private long _total;
    private long _contextHits;
    private long _lastAtTicks;

    public long Total => Interlocked.Read(ref _total);

    public long ContextHits => Interlocked.Read(ref _contextHits);

    public DateTimeOffset? LastQueryAt => Interlocked.Read(ref _lastAtTicks) is var t && t == 0 ? null : new DateTimeOffset(t, TimeSpan.Zero);

    public IReadOnlyDictionary<string, long> AgentTypes => _agentTypes;

    public IReadOnlyDictionary<string, long> Routes => _routes;

    public IReadOnlyDictionary<string, long> Reasons => _reasons;

    public string NewId() => "int_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");

    public void Record(Interaction interaction)
    {
        Interlocked.Increment(ref _total);
        if (interaction.ContextCount > 0)
        {
            Interlocked.Increment(ref _contextHits);
        }

        Interlocked.Exchange(ref _lastAtTicks, interaction.At.UtcTicks);
        _agentTypes.AddOrUpdate(interaction.AgentType ?? "default", 1, (_, n) => n + 1);
        _routes.AddOrUpdate(interaction.Route, 1, (_, n) => n + 1);
        _reasons.AddOrUpdate(interaction.Reason, 1, (_, n) => n + 1);
        _byId[interaction.Id] = interaction;
        _order.Enqueue(interaction.Id);
        while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _byId.TryRemove(oldest, out _);
        }
    }

    public Interaction? Find(string id) => _byId.TryGetValue(id, out var interaction) ? interaction : null;
}
