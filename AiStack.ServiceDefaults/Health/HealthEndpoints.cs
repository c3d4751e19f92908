using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AiStack.ServiceDefaults.Health;

/// <summary>The health endpoints every service answers without an API key (Kubernetes probes and the AppHost use them).</summary>
internal static class HealthEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("/health").AllowWithoutApiKey().WithTags("Health");
        health.MapGet("", async (HealthReporter reporter, CancellationToken cancellationToken) =>
        {
            var answer = await reporter.AggregateAsync(cancellationToken);
            return Results.Json(answer, Json, statusCode: StatusFor(answer.Status));
        });
        health.MapGet("/live", async (HealthReporter reporter, CancellationToken cancellationToken) =>
            Answer(await reporter.LivenessAsync(cancellationToken)));
        health.MapGet("/ready", async (HealthReporter reporter, CancellationToken cancellationToken) =>
            Answer(await reporter.ReadinessAsync(cancellationToken)));
        health.MapGet("/startup", (HealthReporter reporter) => Answer(reporter.Startup()));
    }

    private static IResult Answer(ProbeResponse probe) => Results.Json(probe, Json, statusCode: StatusFor(probe.Status));

    /// <summary>Degraded still serves traffic (200); only unhealthy takes the service out (503).</summary>
    private static int StatusFor(string status) =>
        status == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
}
