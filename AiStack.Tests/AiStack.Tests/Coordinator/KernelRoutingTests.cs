// IChatClientSelector is Semantic Kernel's experimental selector for IChatClient services, which the Coordinator routes with.
#pragma warning disable SKEXP0001

using AiStack.Contracts.Tasks;
using AiStack.Coordinator.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace AiStack.Tests.Coordinator;

/// <summary>The routing policy as Semantic Kernel's chat-client selector, over a Kernel holding a local and a remote client.</summary>
public sealed class KernelRoutingTests
{
    private static readonly KernelFunction Function = KernelFunctionFactory.CreateFromMethod(() => string.Empty, "route");
    private readonly ScriptedChatClient _local = new("local");
    private readonly ScriptedChatClient _remote = new("remote");

    private Kernel Kernel(double threshold = 0.85)
    {
        var builder = Microsoft.SemanticKernel.Kernel.CreateBuilder();
        builder.Services.AddKeyedSingleton<IChatClient>("local", _local);
        builder.Services.AddKeyedSingleton<IChatClient>("remote", _remote);
        builder.Services.AddSingleton<IChatClientSelector>(new RoutingSelector(new RoutingPolicy(new RoutingOptions(), () => threshold)));
        return builder.Build();
    }

    private static RoutingInputs Both(double? confidence = 0.5) => new()
    {
        Confidence = confidence,
        Local = BackendAvailability.Available,
        Remote = BackendAvailability.Available,
    };

    private (IChatClient Client, RouteDecision Decision) Select(RoutingInputs inputs, double threshold = 0.85)
    {
        var kernel = Kernel(threshold);
        var arguments = new KernelArguments { [RoutingSelector.InputsArgument] = inputs };
        var selector = kernel.Services.GetRequiredService<IChatClientSelector>();
        Assert.True(selector.TrySelectChatClient<IChatClient>(kernel, Function, arguments, out var client, out var settings));
        var decision = (RouteDecision)arguments[RoutingSelector.DecisionArgument]!;
        Assert.Equal(decision.Primary.ToWireName(), settings!.ServiceId);
        return (client, decision);
    }

    public static TheoryData<string, string, string> Rules() => new()
    {
        { "high_confidence", "local", RouteReasons.HighConfidence },
        { "low_confidence", "remote", RouteReasons.LowConfidence },
        { "prefer_local", "local", RouteReasons.PreferLocal },
        { "private", "local", RouteReasons.Private },
        { "forced_remote", "remote", RouteReasons.Forced },
        { "complexity", "remote", RouteReasons.Complexity },
        { "no_context", "local", RouteReasons.NoContext },
        { "budget_exhausted", "local", RouteReasons.BudgetExhausted },
        { "remote_breaker_open", "local", RouteReasons.RemoteUnavailable },
        { "local_not_configured", "remote", RouteReasons.LocalUnavailable },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_selects_its_backend_from_the_kernel_with_its_reason(string rule, string expected, string reason)
    {
        var inputs = rule switch
        {
            "high_confidence" => Both(0.9),
            "low_confidence" => Both(0.2),
            "prefer_local" => Both(0.2) with { PreferLocal = true },
            "private" => Both(0.1) with { Private = true },
            "forced_remote" => Both(0.99) with { ForcedRoute = ModelRoute.Remote },
            "complexity" => Both(null) with { Complexity = TaskComplexity.VeryComplex },
            "no_context" => Both(null),
            "budget_exhausted" => Both(0.2) with { RemoteWithinBudget = false },
            "remote_breaker_open" => Both(0.2) with { Remote = BackendAvailability.Unavailable },
            "local_not_configured" => Both(0.9) with { Local = BackendAvailability.NotConfigured },
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };

        var (client, decision) = Select(inputs);

        Assert.Same(expected == "local" ? _local : _remote, client);
        Assert.Equal(reason, decision.Reason);
        Assert.False(string.IsNullOrWhiteSpace(decision.Explanation));
    }

    [Fact]
    public void A_private_request_has_no_remote_fallback_and_with_the_local_model_down_it_is_refused()
    {
        var (_, decision) = Select(Both(0.1) with { Private = true });
        var refused = Assert.Throws<RouteUnavailableException>(() => Select(Both(0.1) with { Private = true, Local = BackendAvailability.Unavailable }));

        Assert.Null(decision.Fallback);
        Assert.Equal(503, refused.StatusCode);
        Assert.Equal(RouteReasons.Private, refused.Reason);
    }

    [Fact]
    public void The_live_threshold_decides()
    {
        Assert.Equal(RouteReasons.LowConfidence, Select(Both(0.6), threshold: 0.85).Decision.Reason);
        Assert.Equal(RouteReasons.HighConfidence, Select(Both(0.6), threshold: 0.5).Decision.Reason);
    }

    [Fact]
    public void A_forced_remote_over_budget_is_a_429()
    {
        var refused = Assert.Throws<RouteUnavailableException>(() => Select(Both() with { ForcedRoute = ModelRoute.Remote, RemoteWithinBudget = false }));
        Assert.Equal(429, refused.StatusCode);
        Assert.Equal(RouteReasons.BudgetExhausted, refused.Reason);
    }

    [Fact]
    public async Task When_the_chosen_client_fails_the_fallback_answers_and_the_failure_is_reported()
    {
        var failures = new List<ModelRoute>();
        var failing = new ChatClientBuilder(_remote).Use((_, _, _, _) => throw new HttpRequestException("connection refused")).Build();
        var client = new FallbackChatClient(failing, ModelRoute.Remote, _local, (route, _) => failures.Add(route));

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")]);

        Assert.Equal("local answers: hello", response.Text);
        Assert.True(client.FellBack);
        Assert.Equal(ModelRoute.Local, client.Answered);
        Assert.Equal([ModelRoute.Remote], failures);
    }

    [Fact]
    public async Task Without_a_fallback_a_failure_is_a_502_naming_the_backend()
    {
        var failing = new ChatClientBuilder(_remote).Use((_, _, _, _) => throw new HttpRequestException("connection refused")).Build();
        var client = new FallbackChatClient(failing, ModelRoute.Remote, null, (_, _) => { });

        var refused = await Assert.ThrowsAsync<RouteUnavailableException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")]));

        Assert.Equal(502, refused.StatusCode);
        Assert.Contains("remote model failed", refused.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_falls_back_before_its_first_update_and_with_nothing_left_is_a_502()
    {
        var failing = new ChatClientBuilder(_remote).Use((_, _, _, _) => throw new HttpRequestException("connection refused")).Build();
        var withFallback = new FallbackChatClient(failing, ModelRoute.Remote, _local, (_, _) => { });
        var withoutUsable = new FallbackChatClient(failing, ModelRoute.Local, failing, (_, _) => { });

        var text = string.Concat(await withFallback.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "stream")]).Select(u => u.Text).ToListAsync());
        var refused = await Assert.ThrowsAsync<RouteUnavailableException>(async () =>
        {
            await foreach (var _ in withoutUsable.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "stream")]))
            {
            }
        });

        Assert.Equal("local answers: stream", text);
        Assert.True(withFallback.FellBack);
        Assert.Equal(502, refused.StatusCode);
        Assert.Contains("remote model failed", refused.Message, StringComparison.Ordinal);
    }
}
