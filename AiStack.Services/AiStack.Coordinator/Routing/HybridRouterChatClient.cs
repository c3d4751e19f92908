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

namespace AiStack.Coordinator.Routing;

/// <summary>
/// The routing client: decides local or remote for each request (<see cref="RoutingPolicy"/>), calls that backend through
/// its breaker, falls back to the other backend when the first fails, records the decision with its reason, and charges
/// remote usage to the daily budget.
/// </summary>
public sealed partial class HybridRouterChatClient(
    ModelBackends backends,
    RoutingPolicy policy,
    RetrievalConfidence confidence,
    RemoteBudget budget,
    CoordinatorTelemetry telemetry,
    ITelemetryEvents events,
    ILogger<HybridRouterChatClient> logger) : IChatClient
{
    private sealed record Plan(RouteDecision Decision, double? Confidence, TaskComplexity Complexity);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var plan = await PlanAsync(list, options, cancellationToken);
        var route = plan.Decision.Primary;
        var reason = plan.Decision.Reason;
        ChatResponse response;
        try
        {
            response = await backends[route].Client!.GetResponseAsync(list, options, cancellationToken);
        }
        catch (Exception ex) when (CanFallBack(ex, plan.Decision, cancellationToken))
        {
            LogFallback(logger, route.ToWireName(), plan.Decision.Fallback!.Value.ToWireName(), ex.Message);
            route = plan.Decision.Fallback!.Value;
            reason = RouteReasons.Fallback;
            response = await backends[route].Client!.GetResponseAsync(list, options, cancellationToken);
        }

        Settle(route, reason, plan, response.Usage);
        Annotate(response.AdditionalProperties ??= [], route, reason, plan);
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var plan = await PlanAsync(list, options, cancellationToken);
        var route = plan.Decision.Primary;
        var reason = plan.Decision.Reason;

        // Fallback is only possible before the first update reaches the caller.
        var enumerator = backends[route].Client!.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool hasFirst;
        try
        {
            hasFirst = await enumerator.MoveNextAsync();
        }
        catch (Exception ex) when (CanFallBack(ex, plan.Decision, cancellationToken))
        {
            await enumerator.DisposeAsync();
            LogFallback(logger, route.ToWireName(), plan.Decision.Fallback!.Value.ToWireName(), ex.Message);
            route = plan.Decision.Fallback!.Value;
            reason = RouteReasons.Fallback;
            enumerator = backends[route].Client!.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            hasFirst = await enumerator.MoveNextAsync();
        }

        UsageDetails? usage = null;
        try
        {
            if (hasFirst)
            {
                var first = enumerator.Current;
                Annotate(first.AdditionalProperties ??= [], route, reason, plan);
                usage = LastUsage(first, usage);
                yield return first;
                while (await enumerator.MoveNextAsync())
                {
                    usage = LastUsage(enumerator.Current, usage);
                    yield return enumerator.Current;
                }
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }

        Settle(route, reason, plan, usage);
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
        var inputs = new RoutingInputs
        {
            Private = hints.Private,
            PreferLocal = hints.PreferLocal,
            ForcedRoute = hints.ForcedRoute,
            Confidence = score,
            Complexity = complexity,
            Local = backends.Local.Availability,
            Remote = backends.Remote.Availability,
            RemoteWithinBudget = budget.Allows(),
        };

        RouteDecision decision;
        try
        {
            decision = policy.Decide(inputs);
        }
        catch (RouteUnavailableException ex)
        {
            telemetry.RouteDecisions.Add(1, new("route", "none"), new("reason", ex.Reason));
            LogNoRoute(logger, ex.Reason, ex.Message);
            throw;
        }

        Activity.Current?.SetTag("aistack.route", decision.Primary.ToWireName());
        Activity.Current?.SetTag("aistack.route.reason", decision.Reason);
        LogDecision(logger, decision.Primary.ToWireName(), decision.Reason, decision.Explanation, score, complexity.ToWireName());
        return new Plan(decision, score, complexity);
    }

    private static bool CanFallBack(Exception ex, RouteDecision decision, CancellationToken cancellationToken) =>
        decision.Fallback is not null && !cancellationToken.IsCancellationRequested && ex is not RouteUnavailableException;

    private void Settle(ModelRoute route, string reason, Plan plan, UsageDetails? usage)
    {
        telemetry.RouteDecisions.Add(1, new("route", route.ToWireName()), new("reason", reason));
        events.Publish(TelemetryEventTypes.RouteDecided, new
        {
            route = route.ToWireName(),
            reason,
            explanation = plan.Decision.Explanation,
            primary = plan.Decision.Primary.ToWireName(),
            confidence = plan.Confidence,
            complexity = plan.Complexity.ToWireName(),
            backend = backends[route].Name,
            input_tokens = usage?.InputTokenCount,
            output_tokens = usage?.OutputTokenCount,
        });
        if (route == ModelRoute.Remote)
        {
            budget.Record((usage?.InputTokenCount ?? 0) + (usage?.OutputTokenCount ?? 0));
        }
    }

    private void Annotate(AdditionalPropertiesDictionary properties, ModelRoute route, string reason, Plan plan)
    {
        properties[RouteHints.RouteKey] = route.ToWireName();
        properties[RouteHints.ReasonKey] = reason;
        properties[RouteHints.ExplanationKey] = reason == RouteReasons.Fallback
            ? $"{plan.Decision.Explanation}; the {plan.Decision.Primary.ToWireName()} model failed, answered by {route.ToWireName()}"
            : plan.Decision.Explanation;
        properties[RouteHints.BackendKey] = backends[route].Name;
        properties[RouteHints.ComplexityKey] = plan.Complexity.ToWireName();
        if (plan.Confidence is { } c)
        {
            properties["aistack.confidence"] = c;
        }
    }

    private static UsageDetails? LastUsage(ChatResponseUpdate update, UsageDetails? current) =>
        update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? current;

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Route {Route} ({Reason}): {Explanation}; confidence {Confidence}, complexity {Complexity}")]
    private static partial void LogDecision(ILogger logger, string route, string reason, string explanation, double? confidence, string complexity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No route ({Reason}): {Message}")]
    private static partial void LogNoRoute(ILogger logger, string reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Route} model failed, falling back to {Fallback}: {Error}")]
    private static partial void LogFallback(ILogger logger, string route, string fallback, string error);
}
