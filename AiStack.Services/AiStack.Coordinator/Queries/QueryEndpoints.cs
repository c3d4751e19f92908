using AiStack.Contracts.Coordinator;
using AiStack.Contracts.Telemetry;
using AiStack.Contracts.Validation;
using AiStack.Coordinator.Backends;
using AiStack.Coordinator.Budget;
using AiStack.Coordinator.Caching;
using AiStack.Coordinator.Knowledge;
using AiStack.Coordinator.Routing;
using AiStack.ServiceDefaults.Resilience;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Queries;

/// <summary>The original hybrid coordinator's endpoints: /query, /augment_query, /feedback, /stats.</summary>
public static class QueryEndpoints
{
    public static IEndpointRouteBuilder MapQueryEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Queries").AddEndpointFilter<Telemetry.RequestLatencyFilter>();
        group.MapPost("/query", QueryAsync).WithName("Query").RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Expensive);
        group.MapPost("/augment_query", AugmentAsync).WithName("AugmentQuery").RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Expensive);
        group.MapPost("/feedback", FeedbackAsync).WithName("Feedback");
        group.MapGet("/stats", Stats).WithName("Stats");
        return routes;
    }

    private static async Task<Results<Ok<QueryResponse>, ProblemHttpResult>> QueryAsync(
        QueryRequest request, QueryService queries, IOptionsMonitor<QueryOptions> options, CancellationToken cancellationToken)
    {
        var text = request.Text;
        if (Validate(text, options.CurrentValue, "prompt") is { } problem)
        {
            return problem;
        }

        if (request.Limit is < 1 or > 100)
        {
            return BadRequest("limit must be between 1 and 100.");
        }

        if (request.ScoreThreshold is < 0 or > 1)
        {
            return BadRequest("score_threshold must be between 0 and 1.");
        }

        try
        {
            return TypedResults.Ok(await queries.AnswerAsync(request, text!, cancellationToken));
        }
        catch (RouteUnavailableException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: ex.StatusCode, title: "No model can answer this request",
                extensions: new Dictionary<string, object?> { ["reason"] = ex.Reason });
        }
    }

    private static async Task<Results<Ok<AugmentQueryResponse>, ProblemHttpResult>> AugmentAsync(
        AugmentQueryRequest request, QueryService queries, IOptionsMonitor<QueryOptions> options, CancellationToken cancellationToken)
    {
        if (Validate(request.Query, options.CurrentValue, "query") is { } problem)
        {
            return problem;
        }

        var context = (await queries.RetrieveAsync(request.Query!, null, null, null, null, cancellationToken)).Results;
        var augmented = PromptBuilder.Augment(request.Query!, context, request.AgentType, options.CurrentValue.MaxChunkCharsInPrompt);
        return TypedResults.Ok(new AugmentQueryResponse(augmented, context.Select(c => c.ChunkId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), request.Query!, context.Count));
    }

    private static async Task<Results<Ok<FeedbackResponse>, ProblemHttpResult>> FeedbackAsync(
        FeedbackRequest request, InteractionLog interactions, KnowledgeBaseClient knowledgeBase, ITelemetryEvents events, TimeProvider time,
        IOptionsMonitor<QueryOptions> options, CancellationToken cancellationToken)
    {
        if (request.Rating is < 1 or > 5)
        {
            return BadRequest("rating must be between 1 and 5.");
        }

        if (FeedbackTextProblem(request, options.CurrentValue) is { } invalid)
        {
            return invalid;
        }

        if (!string.IsNullOrWhiteSpace(request.Correction))
        {
            var id = "fb_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
            var text = string.IsNullOrWhiteSpace(request.Query) ? request.Correction : $"{request.Query}\n\n{request.Correction}";
            try
            {
                await knowledgeBase.IndexAsync("learning-feedback", id, text, new Dictionary<string, object?>
                {
                    ["interaction_id"] = request.InteractionId,
                    ["rating"] = request.Rating,
                    ["notes"] = request.Notes,
                    ["tags"] = request.Tags,
                    ["recorded_at"] = time.GetUtcNow(),
                }, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                return TypedResults.Problem($"The correction could not be stored: {ex.Message}", statusCode: 503, title: "KnowledgeBase unavailable");
            }

            events.Publish(TelemetryEventTypes.Feedback, new FeedbackPayload
            {
                FeedbackId = id,
                InteractionId = request.InteractionId,
                Query = request.Query,
                Correction = request.Correction,
                Rating = request.Rating,
                Outcome = request.Outcome,
                Notes = request.Notes,
            });
            return TypedResults.Ok(new FeedbackResponse("recorded", id, request.InteractionId));
        }

        if (!string.IsNullOrWhiteSpace(request.InteractionId) && (request.Outcome is not null || request.Rating is not null))
        {
            if (request.Outcome is not (null or "success" or "partial" or "failure"))
            {
                return BadRequest("outcome must be one of success, partial, failure.");
            }

            var interaction = interactions.Find(request.InteractionId);
            if (interaction is null)
            {
                return TypedResults.Problem($"No interaction with id '{request.InteractionId}' is known (only the most recent 10,000 are kept).",
                    statusCode: 404, title: "Unknown interaction");
            }

            interaction.Outcome = request.Outcome ?? interaction.Outcome;
            interaction.Rating = request.Rating ?? interaction.Rating;
            events.Publish(TelemetryEventTypes.Feedback, new FeedbackPayload
            {
                InteractionId = interaction.Id,
                Outcome = interaction.Outcome,
                Rating = interaction.Rating,
                // The learning pipeline joins feedback with the answer it rates.
                Query = interaction.Query,
                Response = interaction.Response,
                Route = interaction.Route,
                Notes = request.Notes,
            });
            return TypedResults.Ok(new FeedbackResponse("updated", null, interaction.Id));
        }

        return BadRequest("Send either a correction, or an interaction_id with an outcome (success, partial, failure) or a rating (1-5).");
    }

    private static Ok<CoordinatorStats> Stats(InteractionLog interactions, CacheRules cache, RemoteBudget budget, ModelBackends backends)
    {
        var (hits, misses) = cache.Counts;
        var usage = budget.Usage;
        return TypedResults.Ok(new CoordinatorStats(
            interactions.Total,
            interactions.ContextHits,
            interactions.Total == 0 ? 0 : Math.Round((double)interactions.ContextHits / interactions.Total, 4),
            interactions.LastQueryAt,
            interactions.AgentTypes,
            interactions.Routes,
            interactions.Reasons,
            new CacheStats(hits, misses, hits + misses == 0 ? 0 : Math.Round((double)hits / (hits + misses), 4)),
            new BudgetStats(usage.TokensUsed, usage.TokenLimit, usage.RequestsUsed, usage.RequestLimit, usage.Exhausted, usage.ResetsAt),
            backends.All.ToDictionary(b => b.Route.ToWireName(), b => new BackendStats(b.IsConfigured, b.Name, CircuitBreakerRegistry.ToWire(CircuitBreakerRegistry.FromPolly(b.BreakerState)), b.UnavailableReason))));
    }

    private static ProblemHttpResult? Validate(string? text, QueryOptions options, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return BadRequest($"{field} is required (send 'prompt' or 'query').");
        }

        if (text.Length > options.MaxPromptChars)
        {
            return BadRequest($"{field} is {text.Length} characters long; the limit is {options.MaxPromptChars} (Queries__MaxPromptChars).");
        }

        return StorableText.Problem(text) is { } problem ? BadRequest($"{field} {problem}.") : null;
    }

    /// <summary>Every text field of a feedback is bounded and storable: it ends up in the KnowledgeBase and in Learning's events.</summary>
    private static ProblemHttpResult? FeedbackTextProblem(FeedbackRequest request, QueryOptions options)
    {
        (string Field, string? Value, int Max)[] fields =
        [
            ("interaction_id", request.InteractionId, CoordinatorLimits.MaxIdChars), ("outcome", request.Outcome, CoordinatorLimits.MaxIdChars),
            ("query", request.Query, options.MaxPromptChars), ("correction", request.Correction, CoordinatorLimits.MaxCorrectionChars),
            ("notes", request.Notes, CoordinatorLimits.MaxNotesChars),
        ];
        if (request.Tags is { Count: > CoordinatorLimits.MaxTags } tags)
        {
            return BadRequest($"tags has {tags.Count} items; the limit is {CoordinatorLimits.MaxTags}.");
        }

        foreach (var (field, value, max) in fields.Concat((request.Tags ?? []).Select((tag, i) => ($"tags[{i}]", (string?)tag, CoordinatorLimits.MaxIdChars))))
        {
            if (value is null)
            {
                continue;
            }

            if (value.Length > max)
            {
                return BadRequest($"{field} is {value.Length} characters long; the limit is {max}.");
            }

            if (StorableText.Problem(value) is { } problem)
            {
                return BadRequest($"{field} {problem}.");
            }
        }

        return null;
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");
}
