using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Learning.Processing;

/// <summary>
/// The <c>dead_letters</c> health entry: degraded while any event is quarantined, because its lesson is missing until an operator
/// replays it (<c>POST /learning/dead_letters/replay</c>) or decides to leave it; the pipeline itself goes on, so never unhealthy.
/// </summary>
public sealed class DeadLetterHealthCheck(DeadLetters deadLetters, LearningPipeline pipeline) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var counts = await deadLetters.CountAsync(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["quarantined"] = counts.Quarantined,
            ["retrying"] = counts.Retrying,
            ["worker_consecutive_failures"] = pipeline.State.ConsecutiveFailures,
        };
        if (pipeline.State.LastError is { } error)
        {
            data["worker_last_error"] = error;
        }

        return counts.Quarantined > 0
            ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture,
                $"{counts.Quarantined} events are quarantined after failing processing; GET /learning/dead_letters lists them, POST /learning/dead_letters/replay retries them."), data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"No quarantined events ({counts.Retrying} retrying)."), data);
    }
}
