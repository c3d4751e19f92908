using AiStack.Contracts.KnowledgeBase;
using AiStack.KnowledgeBase.Collections;
using AiStack.KnowledgeBase.Validation;
using Microsoft.Extensions.Options;

namespace AiStack.KnowledgeBase.Retrieval;

/// <summary><c>POST /context</c>.</summary>
public static class ContextEndpoints
{
    public static RouteHandlerBuilder MapContextEndpoint(this IEndpointRouteBuilder routes)
    {
        return routes.MapPost("/context", GetContextAsync)
            .WithName("GetContext")
            .Accepts<ContextRequest>("application/json")
            .WithSummary("Ranked chunks for a query: vector similarity and keyword matches fused by reciprocal rank fusion.");
    }

    private static async Task<IResult> GetContextAsync(
        HttpRequest http, ContextService service, KnowledgeCollections collections, IOptions<RequestLimits> limits, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<ContextRequest>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        var query = Validate(request!, collections, limits.Value, errors);
        if (query is null)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await service.GetContextAsync(request!, query, cancellationToken));
    }

    /// <summary>The validated query, or null with the reasons in <paramref name="errors"/>.</summary>
    public static ContextQuery? Validate(ContextRequest request, KnowledgeCollections collections, RequestLimits limits, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(collections);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        var text = errors.Text("query", request.Query, limits.MaxQueryChars, required: true);
        var project = errors.Text("project", request.Project, limits.MaxProjectChars, required: false);
        var selected = SelectCollections("collections", request.Collections, collections, limits, errors);
        if (request.Limit is { } limit && (limit < 1 || limit > limits.MaxResults))
        {
            errors.Add("limit", $"'limit' must be between 1 and {limits.MaxResults}.");
        }

        if (request.MinScore is { } minScore && (double.IsNaN(minScore) || minScore < -1 || minScore > 1))
        {
            errors.Add("min_score", "'min_score' must be between -1 and 1 (a cosine similarity).");
        }

        return errors.Any || text is null ? null : new ContextQuery(text.Trim(), selected, project, request.Limit, request.MinScore);
    }

    public static IReadOnlyList<KnowledgeCollection> SelectCollections(
        string field, IReadOnlyList<string>? names, KnowledgeCollections collections, RequestLimits limits, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(collections);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        if (names is null || names.Count == 0)
        {
            return collections.All;
        }

        if (names.Count > limits.MaxCollectionsPerQuery)
        {
            errors.Add(field, $"'{field}' names {names.Count} collections; the limit is {limits.MaxCollectionsPerQuery}.");
            return [];
        }

        var selected = new List<KnowledgeCollection>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (name is not null && collections.TryGet(name, out var collection))
            {
                selected.Add(collection);
            }
            else
            {
                errors.Add(field, $"Unknown collection '{name?[..Math.Min(name.Length, 100)]}'. Known: {string.Join(", ", collections.Names)}.");
            }
        }

        return selected;
    }
}
