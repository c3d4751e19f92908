using System.Globalization;
using AiStack.Learning.Ingest;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Learning.Processing;

/// <summary>The <c>backlog</c> health entry: degraded while the unprocessed backlog is over the backpressure threshold.</summary>
public sealed class BacklogHealthCheck(EventStore events, LearningPipeline pipeline) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var backlog = await events.GetBacklogAsync(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["events"] = backlog.Events,
            ["bytes"] = backlog.Bytes,
            ["lag_seconds"] = Math.Round(backlog.Lag.TotalSeconds, 1),
            ["standby"] = pipeline.State.Standby,
        };
        return pipeline.IsOverThreshold(backlog)
            ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture,
                $"learning_paused: {backlog.Events} unprocessed events ({backlog.Bytes} bytes, lag {backlog.Lag.TotalSeconds:F0} s) are over the backpressure threshold."), data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{backlog.Events} unprocessed events."), data);
    }
}
