using AiStack.Contracts.Tasks;

namespace AiStack.Coordinator.Routing;

/// <summary>What the policy knows about one request and the backends at the moment it is decided.</summary>
public sealed record RoutingInputs
{
    public ModelRoute? ForcedRoute { get; init; }
    public bool Private { get; init; }
    public bool PreferLocal { get; init; }
    /// <summary>Top retrieval score from the KnowledgeBase; null when no context could be retrieved.</summary>
    public double? Confidence { get; init; }
    public TaskComplexity Complexity { get; init; } = TaskComplexity.Moderate;
    public BackendAvailability Local { get; init; } = BackendAvailability.NotConfigured;
    public BackendAvailability Remote { get; init; } = BackendAvailability.NotConfigured;
    public bool RemoteWithinBudget { get; init; } = true;
}

public enum BackendAvailability
{
    NotConfigured,
    Available,
    /// <summary>Configured, but its circuit breaker is open or it reported itself unhealthy.</summary>
    Unavailable,
}

/// <summary>The decision: where to go first, where to fall back to, and why.</summary>
public sealed record RouteDecision(ModelRoute Primary, ModelRoute? Fallback, string Reason, string Explanation);

/// <summary>No backend may serve the request; carries the HTTP status and a message that says what to change.</summary>
public sealed class RouteUnavailableException(int statusCode, string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;

    public string Reason { get; } = reason;
}

/// <summary>
/// The routing rule, free of I/O so every branch is testable: privacy pins to local; a forced model pins to its backend;
/// otherwise prefer_local or a retrieval confidence at or above the threshold goes local, a very complex task or low
/// confidence goes remote; the daily remote budget and backend health (breakers) can overrule the preference, and the other
/// backend is the fallback whenever the request is allowed to use it.
/// </summary>
/// <param name="liveThreshold">The live confidence threshold (the settings API changes it); the option's value when not given.</param>
public sealed class RoutingPolicy(RoutingOptions options, Func<double>? liveThreshold = null)
{
    public const string NoBackendMessage =
        "No model backend is configured. Set Inference__ModelPath to a GGUF file for the local model, " +
        "or Remote__Endpoint and Remote__Model (and Remote__ApiKey) for an OpenAI-compatible API.";

    public RouteDecision Decide(RoutingInputs inputs)
    {
        if (inputs.Local == BackendAvailability.NotConfigured && inputs.Remote == BackendAvailability.NotConfigured)
        {
            throw new RouteUnavailableException(503, "no_backend", NoBackendMessage);
        }

        if (inputs.Private)
        {
            // A private request never leaves the machine: no remote, not even as a fallback.
            return Require(ModelRoute.Local, inputs, RouteReasons.Private,
                "private request pinned to the local model", allowFallback: false);
        }

        if (inputs.ForcedRoute is { } forced)
        {
            if (forced == ModelRoute.Remote && !inputs.RemoteWithinBudget)
            {
                throw new RouteUnavailableException(429, RouteReasons.BudgetExhausted,
                    "The daily remote budget is used up; the remote model was requested explicitly. Try aistack-hybrid or aistack-local, or raise Routing__DailyRemoteTokenBudget.");
            }

            return Require(forced, inputs, RouteReasons.Forced, $"model pinned to {forced.ToWireName()}", allowFallback: false);
        }

        var (preferred, reason, explanation) = Prefer(inputs);

        if (preferred == ModelRoute.Remote && !inputs.RemoteWithinBudget)
        {
            if (Usable(inputs.Local))
            {
                return new RouteDecision(ModelRoute.Local, null, RouteReasons.BudgetExhausted,
                    $"{explanation}, but the daily remote budget is used up");
            }

            throw new RouteUnavailableException(429, RouteReasons.BudgetExhausted,
                "The daily remote budget is used up and no local model can serve the request. Configure Inference__ModelPath or wait for the budget to reset.");
        }

        var preferredState = preferred == ModelRoute.Local ? inputs.Local : inputs.Remote;
        var other = preferred.Other();
        var otherUsable = other == ModelRoute.Local ? Usable(inputs.Local) : Usable(inputs.Remote) && inputs.RemoteWithinBudget;

        if (Usable(preferredState))
        {
            return new RouteDecision(preferred, otherUsable ? other : null, reason, explanation);
        }

        if (otherUsable)
        {
            var unavailable = preferred == ModelRoute.Local ? RouteReasons.LocalUnavailable : RouteReasons.RemoteUnavailable;
            var why = preferredState == BackendAvailability.NotConfigured ? "not configured" : "unavailable (circuit open)";
            return new RouteDecision(other, null, unavailable, $"{explanation}, but the {preferred.ToWireName()} model is {why}");
        }

        throw new RouteUnavailableException(503, preferred == ModelRoute.Local ? RouteReasons.LocalUnavailable : RouteReasons.RemoteUnavailable,
            "No model backend is available right now: " + Describe(inputs) + ". Check /health for the circuit breakers.");
    }

    private (ModelRoute Route, string Reason, string Explanation) Prefer(RoutingInputs inputs)
    {
        var threshold = liveThreshold?.Invoke() ?? options.LocalConfidenceThreshold;
        if (inputs.PreferLocal)
        {
            return (ModelRoute.Local, RouteReasons.PreferLocal, "prefer_local was set");
        }

        if (inputs.Confidence is { } confidence && confidence >= threshold)
        {
            return (ModelRoute.Local, RouteReasons.HighConfidence,
                $"retrieval confidence {confidence:0.###} >= {threshold:0.###}");
        }

        if (inputs.Complexity == TaskComplexity.VeryComplex)
        {
            return (ModelRoute.Remote, RouteReasons.Complexity, "very complex task");
        }

        if (inputs.Confidence is { } low)
        {
            return (ModelRoute.Remote, RouteReasons.LowConfidence, $"retrieval confidence {low:0.###} < {threshold:0.###}");
        }

        return (options.RouteWithoutContext, RouteReasons.NoContext, "no retrieval confidence available");
    }

    private static RouteDecision Require(ModelRoute route, RoutingInputs inputs, string reason, string explanation, bool allowFallback)
    {
        var state = route == ModelRoute.Local ? inputs.Local : inputs.Remote;
        if (Usable(state))
        {
            return new RouteDecision(route, allowFallback ? route.Other() : null, reason, explanation);
        }

        var what = state == BackendAvailability.NotConfigured ? "is not configured" : "is unavailable (circuit open)";
        var hint = route == ModelRoute.Local ? " Set Inference__ModelPath to a GGUF file." : " Set Remote__Endpoint and Remote__Model.";
        throw new RouteUnavailableException(503, reason, $"{explanation}, and the {route.ToWireName()} model {what}.{hint}");
    }

    private static bool Usable(BackendAvailability availability) => availability == BackendAvailability.Available;

    private static string Describe(RoutingInputs inputs) =>
        $"local {inputs.Local.ToString().ToLowerInvariant()}, remote {inputs.Remote.ToString().ToLowerInvariant()}";
}
