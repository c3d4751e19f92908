using AiStack.AppHost.Logs;
using AiStack.AppHost.Orchestration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiStack.AppHost.Control;

/// <summary>The AppHost's control API: the Dashboard and the CLI list resources, read their logs and restart them.</summary>
public static class ResourceEndpoints
{
    public const int MaxTail = 1000;

    public static RouteGroupBuilder MapResourceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/resources")
            .WithTags("Resources");

        group.MapGet("/", (StackOrchestrator stack) => TypedResults.Ok(stack.Supervisors.Select(s => s.Snapshot()).ToList()));
        group.MapGet("/{name}", GetResource);
        group.MapGet("/{name}/logs", GetLogs);
        group.MapPost("/{name}/restart", RestartResource);
        group.MapPost("/restart", RestartAll);
        return group;
    }

    private static Results<Ok<ResourceSnapshot>, ProblemHttpResult> GetResource(string name, StackOrchestrator stack) =>
        stack.Find(name) is { } supervisor ? TypedResults.Ok(supervisor.Snapshot()) : NotFound(name);

    private static Results<Ok<ResourceLogs>, ProblemHttpResult> GetLogs(string name, int? tail, StackOrchestrator stack)
    {
        if (tail is < 1 or > MaxTail)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid tail",
                detail: $"tail must be between 1 and {MaxTail}.");
        }

        return stack.Find(name) is { } supervisor
            ? TypedResults.Ok(new ResourceLogs(supervisor.Name, supervisor.Logs.Lines(tail ?? 100)))
            : NotFound(name);
    }

    private static async Task<Results<Ok<ResourceSnapshot>, ProblemHttpResult>> RestartResource(
        string name, StackOrchestrator stack, IHostApplicationLifetime lifetime)
    {
        if (stack.Find(name) is not { } supervisor)
        {
            return NotFound(name);
        }

        try
        {
            // Not tied to the request: a client that gives up must not leave the resource half restarted.
            await supervisor.RestartAsync(lifetime.ApplicationStopping);
            return TypedResults.Ok(supervisor.Snapshot());
        }
        catch (ResourceStartException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Restart failed", detail: ex.Message);
        }
    }

    private static async Task<Results<Ok<List<ResourceSnapshot>>, ProblemHttpResult>> RestartAll(
        StackOrchestrator stack, IHostApplicationLifetime lifetime)
    {
        try
        {
            await stack.RestartAllAsync(lifetime.ApplicationStopping);
            return TypedResults.Ok(stack.Supervisors.Select(s => s.Snapshot()).ToList());
        }
        catch (ResourceStartException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Restart failed", detail: ex.Message);
        }
    }

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown resource", detail: $"No resource named '{name}'.");
}

public sealed record ResourceLogs(string Name, IReadOnlyList<LogEntry> Lines);
