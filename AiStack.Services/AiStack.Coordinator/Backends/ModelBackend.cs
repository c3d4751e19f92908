using AiStack.Coordinator.Routing;
using Microsoft.Extensions.AI;
using Polly.CircuitBreaker;

namespace AiStack.Coordinator.Backends;

/// <summary>
/// One model backend as the router sees it: the composed client (backend -> telemetry -> breaker), its breaker state,
/// and whether it is configured at all.
/// </summary>
public sealed class ModelBackend
{
    private readonly CircuitBreakerStateProvider? _breakerState;
    private readonly Func<string?>? _unavailableNow;
    private readonly string? _unavailableReason;

    /// <param name="unavailableNow">Asked before each decision: the reason the backend cannot serve right now (e.g. its model failed to load), or null.</param>
    public ModelBackend(ModelRoute route, string name, IChatClient? client, CircuitBreakerStateProvider? breakerState,
        string? unavailableReason = null, Func<string?>? unavailableNow = null)
    {
        Route = route;
        Name = name;
        Client = client;
        _breakerState = breakerState;
        _unavailableReason = unavailableReason;
        _unavailableNow = unavailableNow;
    }

    public ModelRoute Route { get; }

    /// <summary>Human name of what answers, e.g. the GGUF file or the remote model id.</summary>
    public string Name { get; }

    public IChatClient? Client { get; }

    /// <summary>Why the backend cannot serve: not set up, or its model failed to load (e.g. the native libraries are missing).</summary>
    public string? UnavailableReason => _unavailableReason ?? _unavailableNow?.Invoke();

    public bool IsConfigured => Client is not null;

    public CircuitState BreakerState => _breakerState?.CircuitState ?? CircuitState.Closed;

    public BackendAvailability Availability => Client is null
        ? BackendAvailability.NotConfigured
        : BreakerState is CircuitState.Open or CircuitState.Isolated || _unavailableNow?.Invoke() is not null
            ? BackendAvailability.Unavailable
            : BackendAvailability.Available;

    public static ModelBackend NotConfigured(ModelRoute route, string? reason = null) => new(route, "none", null, null, reason);
}

/// <summary>The two backends, resolved once at start-up.</summary>
public sealed class ModelBackends(ModelBackend local, ModelBackend remote)
{
    public ModelBackend Local { get; } = local;

    public ModelBackend Remote { get; } = remote;

    public ModelBackend this[ModelRoute route] => route == ModelRoute.Local ? Local : Remote;

    public IEnumerable<ModelBackend> All => [Local, Remote];
}
