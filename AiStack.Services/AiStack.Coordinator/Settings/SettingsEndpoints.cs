using AiStack.Contracts.Coordinator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Coordinator.Settings;

/// <summary>GET /settings and PATCH /settings: the live routing settings (threshold, daily remote budgets).</summary>
public static class SettingsEndpoints
{
    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(RoutingSettings.Route).WithTags("Settings");
        group.MapGet("", (RoutingSettingsStore store) => TypedResults.Ok(store.Current)).WithName("GetSettings");
        group.MapPatch("", Patch).WithName("PatchSettings");
        return routes;
    }

    private static Results<Ok<RoutingSettings>, ValidationProblem> Patch(RoutingSettings change, RoutingSettingsStore store, HttpContext http)
    {
        var errors = RoutingSettingsStore.Validate(change);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid settings", detail: string.Join(" ", errors.Values.SelectMany(v => v)));
        }

        return TypedResults.Ok(store.Apply(change, http.Request.Headers.UserAgent.FirstOrDefault()));
    }
}

/// <summary>The routing settings in force, so /health shows what a change did.</summary>
public sealed class RoutingSettingsHealthCheck(RoutingSettingsStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy("in force", new Dictionary<string, object>
        {
            ["local_confidence_threshold"] = store.LocalConfidenceThreshold,
            ["daily_remote_token_budget"] = store.DailyRemoteTokenBudget,
            ["daily_remote_request_budget"] = store.DailyRemoteRequestBudget,
            ["updated_at"] = store.UpdatedAt?.ToString("O") ?? "configuration",
        }));
}
