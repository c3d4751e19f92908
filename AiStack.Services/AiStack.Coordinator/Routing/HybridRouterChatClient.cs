using System.Diagnostics;
using System.Runtime.CompilerServices;
using AiStack.Contracts.Tasks;
using AiStack.Contracts.Telemetry;
using AiStack.Coordinator.Backends;
using AiStack.Coordinator.Budget;
using AiStack.Coordinator.Knowledge;
using AiStack.Coordinator.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AiStack.Coordinator.Routing;

/// <summary>
/// The routing client: for each request it gathers the <see cref="RoutingInputs"/> (hints, retrieval confidence, complexity,
/// breaker states, budget), lets the Kernel's <see cref="IChatClientSelector"/> pick the local or the remote chat client,
/// calls it through a <see cref="FallbackChatClient"/>, records the decision with its reason, and charges remote usage to the
/// daily budget. It calls the selector itself rather than through a prompt function: a KernelFunction would flatten the
/// messages and options into a prompt template and PromptExecutionSettings, losing tools, tool calls, response formats and
/// streamed usage, which the OpenAI-compatible endpoint passes through.
/// </summary>
public sealed partial class HybridRouterChatClient(
    Kernel kernel,
    ModelBackends backends,
    RetrievalConfidence confidence,
    RemoteBudget budget,
    CoordinatorTelemetry telemetry,
    ITelemetryEvents events,
    ILogger<HybridRouterChatClient> logger) : IChatClient
{
    /// <summary>What the selector is asked for; routing needs no prompt template, only the arguments.</summary>
    private static readonly KernelFunction RouteFunction = KernelFunctionFactory.CreateFromMethod(() => string.Empty, "route", "Routes one chat request.");

    private readonly IChatClientSelector _selector = kernel.Services.GetRequiredService<IChatClientSelector>();

    private sealed record Plan(RouteDecision Decision, double? Confidence, TaskComplexity Complexity, FallbackChatClient Client);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var plan = await PlanAsync(list, options, cancellationToken);
        var response = await plan.Client.GetResponseAsync(list, options, cancellationToken);
        Settle(plan, response.Usage);
        Annotate(response.AdditionalProperties ??= [], plan);
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var plan = await PlanAsync(list, options, cancellationToken);
        UsageDetails? usage = null;
        var first = true;
        await foreach (var update in plan.Client.GetStreamingResponseAsync(list, options, cancellationToken))
        {
            if (first)
            {
                Annotate(update.AdditionalProperties ??= [], plan);
                first = false;
            }

            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            yield return update;
        }

        Settle(plan, usage);
    }

    /// <summary>Decides without calling a model: what /query reports when no answer is generated.</summary>
    public async Task<RouteDecision> DecideAsync(IList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken) =>
        (await PlanAsync(messages, options, cancellationToken)).Decision;

    private async Task<Plan> PlanAsync(IList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var hints = RouteHints.From(options);
        var text = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var complexity = TaskComplexityClassifier.Classify(text);
        double? score = hints.ConfidenceKnown ? hints.Confidence
            : hints.Private || hints.ForcedRoute is not null ? null
            : await confidence.GetAsync(text, cancellationToken);
        var arguments = new KernelArguments
        {
            [RoutingSelector.InputsArgument] = new RoutingInputs
            {
                Private = hints.Private,
                PreferLocal = hints.PreferLocal,
                ForcedRoute = hints.ForcedRoute,
                Confidence = score,
                Complexity = complexity,
                Local = backends.Local.Availability,
                Remote = backends.Remote.Availability,
                RemoteWithinBudget = budget.Allows(),
            },
        };

        IChatClient? primary;
        try
        {
            _selector.TrySelectChatClient(kernel, RouteFunction, arguments, out primary, out _);
        }
        catch (RouteUnavailableException ex)
        {
            telemetry.RouteDecisions.Add(1, new("route", "none"), new("reason", ex.Reason));
            LogNoRoute(logger, ex.Reason, ex.Message);
            throw;
        }

        var decision = (RouteDecision)arguments[RoutingSelector.DecisionArgument]!;
        var fallback = decision.Fallback is { } other ? kernel.Services.GetKeyedService<IChatClient>(other.ToWireName()) : null;
        Activity.Current?.SetTag("aistack.route", decision.Primary.ToWireName());
        Activity.Current?.SetTag("aistack.route.reason", decision.Reason);
        LogDecision(logger, decision.Primary.ToWireName(), decision.Reason, decision.Explanation, score, complexity.ToWireName());
        return new Plan(decision, score, complexity, new FallbackChatClient(primary!, decision.Primary, fallback, OnFailure));
    }

    private void OnFailure(ModelRoute route, Exception error)
    {
        telemetry.RouteErrors.Add(1, new KeyValuePair<string, object?>("route", route.ToWireName()));
        LogBackendFailed(logger, route.ToWireName(), error.Message);
    }

    private void Settle(Plan plan, UsageDetails? usage)
    {
        var route = plan.Client.Answered;
        var reason = plan.Client.FellBack ? RouteReasons.Fallback : plan.Decision.Reason;
        telemetry.RouteDecisions.Add(1, new("route", route.ToWireName()), new("reason", reason));
        telemetry.Tokens.Add(usage?.InputTokenCount ?? 0, new("route", route.ToWireName()), new("type", "input"));
        telemetry.Tokens.Add(usage?.OutputTokenCount ?? 0, new("route", route.ToWireName()), new("type", "output"));
        events.Publish(TelemetryEventTypes.RouteDecided, new RouteDecidedPayload(
            route.ToWireName(), reason, plan.Decision.Explanation, plan.Decision.Primary.ToWireName(), plan.Confidence,
            plan.Complexity.ToWireName(), backends[route].Name, usage?.InputTokenCount, usage?.OutputTokenCount));
        if (route == ModelRoute.Remote)
        {
            budget.Record((usage?.InputTokenCount ?? 0) + (usage?.OutputTokenCount ?? 0));
        }
    }

    private void Annotate(AdditionalPropertiesDictionary properties, Plan plan)
    {
        var route = plan.Client.Answered;
        properties[RouteHints.RouteKey] = route.ToWireName();
        properties[RouteHints.ReasonKey] = plan.Client.FellBack ? RouteReasons.Fallback : plan.Decision.Reason;
        properties[RouteHints.ExplanationKey] = plan.Client.FellBack
            ? $"{plan.Decision.Explanation}; the {plan.Decision.Primary.ToWireName()} model failed, answered by {route.ToWireName()}"
            : plan.Decision.Explanation;
        properties[RouteHints.BackendKey] = backends[route].Name;
        properties[RouteHints.ComplexityKey] = plan.Complexity.ToWireName();
        if (plan.Confidence is { } c)
        {
            properties["aistack.confidence"] = c;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this :
        serviceKey is null && serviceType == typeof(Kernel) ? kernel : null;

    public void Dispose()
    {
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Route {Route} ({Reason}): {Explanation}; confidence {Confidence}, complexity {Complexity}")]
    private static partial void LogDecision(ILogger logger, string route, string reason, string explanation, double? confidence, string complexity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No route ({Reason}): {Message}")]
    private static partial void LogNoRoute(ILogger logger, string reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Route} model failed: {Error}")]
    private static partial void LogBackendFailed(ILogger logger, string route, string error);
}
