using AiStack.Contracts.Tasks;
using AiStack.Contracts.Validation;
using AiStack.Ralph.Adaptive;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiStack.Ralph.Settings;

public static class SettingsEndpoints
{
    public const string ChangedByHeader = RalphSettingsRoutes.ChangedByHeader;

    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/settings").WithTags("Settings");
        settings.MapGet("/", async (SettingsStore store, CancellationToken ct) => TypedResults.Ok(await store.DescribeAsync(ct)));
        settings.MapPut("/", UpdateAsync);
        settings.MapGet("/history", async (SettingsStore store, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await store.HistoryAsync(Math.Clamp(limit ?? 50, 1, 500), ct)));
        app.MapGet("/stats", StatsAsync).WithTags("Stats");
        return app;
    }

    private static async Task<Results<Ok<SettingsResponse>, ValidationProblem>> UpdateAsync(
        SettingsUpdate update, SettingsStore store, BackendRegistry backends, HttpContext http, CancellationToken cancellationToken)
    {
        // A default that names no declared backend would make every later task without a backend fail its first iteration.
        if (update.DefaultBackend is { } defaultBackend && !backends.IsDeclared(defaultBackend))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["default_backend"] = [$"default_backend must be a declared backend: {string.Join(", ", backends.Names)}."],
            });
        }

        var who = update.ChangedBy ?? http.Request.Headers[ChangedByHeader].FirstOrDefault() ?? "api";
        if (who.Length > TaskLimits.MaxChangedByChars || StorableText.Check("changed_by", who) is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["changed_by"] = [StorableText.Check("changed_by", who) ?? $"changed_by has {who.Length} characters; the limit is {TaskLimits.MaxChangedByChars}."],
            });
        }

        var (saved, errors) = await store.UpdateAsync(update, who, cancellationToken);
        return saved is not null ? TypedResults.Ok(saved) : TypedResults.ValidationProblem(errors!);
    }

    private static async Task<Ok<RalphStatsResponse>> StatsAsync(TaskStore tasks, AdaptiveHistoryStore history, SettingsStore settings, CancellationToken cancellationToken)
    {
        var counts = await tasks.CountsAsync(cancellationToken);
        var summaries = await history.SummariesAsync(cancellationToken);
        var current = await settings.CurrentAsync(cancellationToken);
        return TypedResults.Ok(new RalphStatsResponse(
            counts.Total, counts.Queued, counts.Running, counts.Completed, counts.Failed, counts.Stopped, counts.Rejected, counts.Error,
            counts.TotalIterations, counts.Total == 0 ? 0 : Math.Round((double)counts.TotalIterations / counts.Total, 2),
            new AdaptiveStats(current.AdaptiveEnabled, summaries.Sum(s => s.TotalTasks),
                summaries.ToDictionary(s => $"{s.TaskType}/{s.Backend}", s => s, StringComparer.Ordinal))));
    }
}
