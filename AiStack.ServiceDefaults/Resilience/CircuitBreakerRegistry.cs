using System.Collections.Concurrent;
using Polly.CircuitBreaker;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>A breaker's state as the stack reports it; the numbers are the values of the <c>aistack_circuit_breaker_state</c> gauge.</summary>
public enum BreakerState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

/// <summary>
/// Every circuit breaker in the process, by name, so <c>/health</c> and <c>/metrics</c> can report them.
/// The HttpClient pipeline registers one per destination (<c>host:port</c>); other components (a model router, say)
/// register their own with <see cref="Register(string, Func{BreakerState})"/>.
/// </summary>
public sealed class CircuitBreakerRegistry
{
    private readonly ConcurrentDictionary<string, Func<BreakerState>> _breakers = new(StringComparer.Ordinal);

    /// <summary>Adds or replaces the breaker called <paramref name="name"/>.</summary>
    public void Register(string name, Func<BreakerState> state)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(state);
        _breakers[name] = state;
    }

    /// <summary>Adds or replaces a breaker built with Polly (pass the <c>StateProvider</c> given to its options).</summary>
    public void Register(string name, CircuitBreakerStateProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        Register(name, () => FromPolly(provider.CircuitState));
    }

    public bool Remove(string name) => _breakers.TryRemove(name, out _);

    /// <summary>The current state of every breaker, ordered by name.</summary>
    public IReadOnlyList<KeyValuePair<string, BreakerState>> Snapshot() =>
        _breakers
            .Select(breaker => KeyValuePair.Create(breaker.Key, breaker.Value()))
            .OrderBy(breaker => breaker.Key, StringComparer.Ordinal)
            .ToList();

    public static BreakerState FromPolly(CircuitState state) => state switch
    {
        CircuitState.Closed => BreakerState.Closed,
        CircuitState.HalfOpen => BreakerState.HalfOpen,
        // Isolated is a breaker held open by hand: callers are refused exactly as when it is open.
        _ => BreakerState.Open,
    };

    /// <summary>The spelling the original stack used in its health JSON.</summary>
    public static string ToWire(BreakerState state) => state switch
    {
        BreakerState.Closed => "CLOSED",
        BreakerState.HalfOpen => "HALF_OPEN",
        _ => "OPEN",
    };
}
