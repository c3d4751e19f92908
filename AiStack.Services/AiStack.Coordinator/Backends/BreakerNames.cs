using Polly.CircuitBreaker;

namespace AiStack.Coordinator.Backends;

/// <summary>The original's names for breaker states (CLOSED, OPEN, HALF_OPEN).</summary>
public static class BreakerNames
{
    public static string Of(CircuitState state) => state switch
    {
        CircuitState.Open or CircuitState.Isolated => "OPEN",
        CircuitState.HalfOpen => "HALF_OPEN",
        _ => "CLOSED",
    };
}
