using AiStack.AppHost.Supervision;
using AiStack.Contracts.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace AiStack.AppHost.Control;

/// <summary>The AppHost's control API: the control center and the CLI list resources, read their logs and restart them.</summary>
public static class ResourceEndpoints
{
    public static RouteGroupBuilder MapResourceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(ControlApiRoutes.Resources).WithTags("Resources");
        group.MapGet("/", (ResourceSupervisor supervisor, ControlApiContext context) =>
            TypedResults.Ok(supervisor.Resources.Select(r => ResourceSnapshots.From(r, context.DashboardUrl)).ToList()));
        group.MapGet("/{name}", GetResource);
        group.MapGet("/{name}/logs", GetLogs);
        // A restart stops and starts processes: limited per caller like any request that starts work (RateLimiting:Policies:submission).
        group.MapPost("/{name}/restart", RestartResource).RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Submission);
        group.MapPost("/restart", RestartAll).RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Submission);
        return group;
    }

    private static Results<Ok<ResourceSnapshot>, ProblemHttpResult> GetResource(string name, ResourceSupervisor supervisor, ControlApiContext context) =>
        supervisor.Find(name) is { } resource ? TypedResults.Ok(ResourceSnapshots.From(resource, context.DashboardUrl)) : NotFound(name);

    private static Results<Ok<ResourceLogs>, ProblemHttpResult> GetLogs(string name, int? tail, ResourceSupervisor supervisor)
    {
        if (tail is < 1 or > ControlApiRoutes.MaxLogTail)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid tail",
                detail: $"tail must be between 1 and {ControlApiRoutes.MaxLogTail}.",
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["tail"] = [$"must be between 1 and {ControlApiRoutes.MaxLogTail}"] } });
        }

        return supervisor.Find(name) is { } resource
            ? TypedResults.Ok(new ResourceLogs(resource.Name, resource.Logs.Lines(tail ?? 100)))
            : NotFound(name);
    }

    private static async Task<Results<Ok<ResourceSnapshot>, ProblemHttpResult>> RestartResource(
        string name, ResourceSupervisor supervisor, ControlApiContext context, IHostApplicationLifetime lifetime)
    {
        if (supervisor.Find(name) is not { } resource)
        {
            return NotFound(name);
        }

        try
        {
            // Not tied to the request: a client that gives up must not leave the resource half restarted.
            await supervisor.RestartAsync(resource, lifetime.ApplicationStopping);
            return TypedResults.Ok(ResourceSnapshots.From(resource, context.DashboardUrl));
        }
        catch (ResourceRestartException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Restart failed", detail: ex.Message);
        }
    }

    /// <summary>Every resource: stopped at once, started again in dependency order; answers when all are healthy again.</summary>
    private static async Task<Results<Ok<List<ResourceSnapshot>>, ProblemHttpResult>> RestartAll(
        ResourceSupervisor supervisor, ControlApiContext context, IHostApplicationLifetime lifetime)
    {
        try
        {
            await supervisor.RestartAllAsync(lifetime.ApplicationStopping);

            return TypedResults.Ok(supervisor.Resources.Select(r => ResourceSnapshots.From(r, context.DashboardUrl)).ToList());
        }
        catch (ResourceRestartException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Restart failed", detail: ex.Message);
        }
    }

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown resource", detail: $"No resource named '{name}'.");
}
