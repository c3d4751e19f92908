using AiStack.Contracts.Tasks;
using AiStack.Coordinator.Routing;

namespace AiStack.Tests.Coordinator;

public sealed class RoutingPolicyTests
{
    private static readonly RoutingPolicy Policy = new(new RoutingOptions());

    private static readonly double Threshold = new RoutingOptions().LocalConfidenceThreshold;

    private static RoutingInputs Both(double? confidence = 0.5) => new()
    {
        Confidence = confidence,
        Local = BackendAvailability.Available,
        Remote = BackendAvailability.Available,
    };

    [Fact]
    public void Confidence_at_the_threshold_goes_local_with_remote_as_fallback()
    {
        var decision = Policy.Decide(Both(Threshold));
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Equal(ModelRoute.Remote, decision.Fallback);
        Assert.Equal(RouteReasons.HighConfidence, decision.Reason);
    }

    [Fact]
    public void Confidence_below_the_threshold_goes_remote()
    {
        var decision = Policy.Decide(Both(Threshold - 0.01));
        Assert.Equal(ModelRoute.Remote, decision.Primary);
        Assert.Equal(RouteReasons.LowConfidence, decision.Reason);
        Assert.Contains((Threshold - 0.01).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void The_threshold_is_configurable()
    {
        var policy = new RoutingPolicy(new RoutingOptions { LocalConfidenceThreshold = 0.5 });
        Assert.Equal(ModelRoute.Local, policy.Decide(Both(0.6)).Primary);
    }

    [Fact]
    public void Prefer_local_wins_over_low_confidence()
    {
        var decision = Policy.Decide(Both(0.1) with { PreferLocal = true });
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Equal(RouteReasons.PreferLocal, decision.Reason);
    }

    [Fact]
    public void A_very_complex_task_prefers_remote_unless_confidence_is_high()
    {
        Assert.Equal(RouteReasons.Complexity, Policy.Decide(Both(null) with { Complexity = TaskComplexity.VeryComplex }).Reason);
        Assert.Equal(ModelRoute.Local, Policy.Decide(Both(0.9) with { Complexity = TaskComplexity.VeryComplex }).Primary);
    }

    [Fact]
    public void Without_confidence_the_configured_default_route_is_used()
    {
        var decision = Policy.Decide(Both(null));
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Equal(RouteReasons.NoContext, decision.Reason);
        var remoteFirst = new RoutingPolicy(new RoutingOptions { RouteWithoutContext = ModelRoute.Remote });
        Assert.Equal(ModelRoute.Remote, remoteFirst.Decide(Both(null)).Primary);
    }

    [Fact]
    public void A_private_request_stays_local_and_has_no_fallback()
    {
        var decision = Policy.Decide(Both(0.1) with { Private = true });
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Null(decision.Fallback);
        Assert.Equal(RouteReasons.Private, decision.Reason);
    }

    [Fact]
    public void A_private_request_with_the_local_model_down_is_refused_with_503_rather_than_sent_remote()
    {
        var error = Assert.Throws<RouteUnavailableException>(() =>
            Policy.Decide(Both(0.1) with { Private = true, Local = BackendAvailability.Unavailable }));
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("private", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exhausted_budget_sends_a_remote_preference_to_local()
    {
        var decision = Policy.Decide(Both(0.1) with { RemoteWithinBudget = false });
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Null(decision.Fallback);
        Assert.Equal(RouteReasons.BudgetExhausted, decision.Reason);
    }

    [Fact]
    public void An_exhausted_budget_without_a_local_model_is_429()
    {
        var error = Assert.Throws<RouteUnavailableException>(() =>
            Policy.Decide(Both(0.1) with { RemoteWithinBudget = false, Local = BackendAvailability.NotConfigured }));
        Assert.Equal(429, error.StatusCode);
    }

    [Fact]
    public void A_local_preference_does_not_fall_back_to_remote_over_budget()
    {
        var decision = Policy.Decide(Both(0.95) with { RemoteWithinBudget = false });
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Null(decision.Fallback);
    }

    [Fact]
    public void An_open_breaker_sends_the_request_to_the_other_backend()
    {
        var decision = Policy.Decide(Both(0.95) with { Local = BackendAvailability.Unavailable });
        Assert.Equal(ModelRoute.Remote, decision.Primary);
        Assert.Equal(RouteReasons.LocalUnavailable, decision.Reason);
        Assert.Contains("circuit open", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unconfigured_backend_sends_the_request_to_the_configured_one()
    {
        var decision = Policy.Decide(Both(0.1) with { Remote = BackendAvailability.NotConfigured });
        Assert.Equal(ModelRoute.Local, decision.Primary);
        Assert.Equal(RouteReasons.RemoteUnavailable, decision.Reason);
        Assert.Null(decision.Fallback);
    }

    [Fact]
    public void No_backend_configured_is_503_naming_the_settings()
    {
        var error = Assert.Throws<RouteUnavailableException>(() => Policy.Decide(new RoutingInputs()));
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("Inference__ModelPath", error.Message, StringComparison.Ordinal);
        Assert.Contains("Remote__Endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_backends_down_is_503()
    {
        var error = Assert.Throws<RouteUnavailableException>(() =>
            Policy.Decide(Both(0.5) with { Local = BackendAvailability.Unavailable, Remote = BackendAvailability.Unavailable }));
        Assert.Equal(503, error.StatusCode);
    }

    [Fact]
    public void A_forced_route_is_honoured_without_fallback()
    {
        var decision = Policy.Decide(Both(0.99) with { ForcedRoute = ModelRoute.Remote });
        Assert.Equal(ModelRoute.Remote, decision.Primary);
        Assert.Null(decision.Fallback);
        Assert.Equal(RouteReasons.Forced, decision.Reason);
    }

    [Fact]
    public void A_forced_remote_route_over_budget_is_429()
    {
        var error = Assert.Throws<RouteUnavailableException>(() =>
            Policy.Decide(Both(0.5) with { ForcedRoute = ModelRoute.Remote, RemoteWithinBudget = false }));
        Assert.Equal(429, error.StatusCode);
    }

    [Fact]
    public void Every_decision_has_a_reason_and_an_explanation()
    {
        var inputs = new[]
        {
            Both(0.9), Both(0.1), Both(null), Both(0.1) with { PreferLocal = true }, Both(0.1) with { Private = true },
            Both(0.1) with { RemoteWithinBudget = false }, Both(0.9) with { Local = BackendAvailability.Unavailable },
        };
        foreach (var decision in inputs.Select(Policy.Decide))
        {
            Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
            Assert.False(string.IsNullOrWhiteSpace(decision.Explanation));
        }
    }
}
