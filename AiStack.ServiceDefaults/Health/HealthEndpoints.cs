using System.Text.Json;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AiStack.ServiceDefaults.Health;

/// <summary>
/// The health endpoints every service answers without an API key (Kubernetes probes and the AppHost use them). Without a key
/// they say only the status (the status code says the same); the checks, their messages and data, and the breakers are shown
/// only to a caller with a valid key, since they name files, hosts and errors.
/// </summary>
internal static class HealthEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("/health").AllowWithoutApiKey().WithTags("Health");
        health.MapGet("", async (HttpContext context, HealthReporter reporter, CancellationToken cancellationToken) =>
        {
            var answer = await reporter.AggregateAsync(cancellationToken);
            return Results.Json(ShowDetails(context) ? answer : (object)new HealthStatusOnly(answer.Status), Json, statusCode: StatusFor(answer.Status));
        });
        health.MapGet("/live", async (HttpContext context, HealthReporter reporter, CancellationToken cancellationToken) =>
            Answer(context, await reporter.LivenessAsync(cancellationToken)));
        health.MapGet("/ready", async (HttpContext context, HealthReporter reporter, CancellationToken cancellationToken) =>
            Answer(context, await reporter.ReadinessAsync(cancellationToken)));
        health.MapGet("/startup", (HttpContext context, HealthReporter reporter) => Answer(context, reporter.Startup()));
    }

    private static bool ShowDetails(HttpContext context) => Caller.Of(context.User) is not null;

    private static IResult Answer(HttpContext context, ProbeResponse probe) =>
        Results.Json(ShowDetails(context) ? probe : (object)new HealthStatusOnly(probe.Status), Json, statusCode: StatusFor(probe.Status));

    /// <summary>Degraded still serves traffic (200); only unhealthy takes the service out (503).</summary>
    private static int StatusFor(string status) =>
        status == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
}
