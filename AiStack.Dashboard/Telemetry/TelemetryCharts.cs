using System.Globalization;
using AiStack.Contracts.Telemetry;
using AiStack.Contracts.Coordinator;

namespace AiStack.Dashboard.Telemetry;

/// <summary>Turns the services' stats and stored telemetry events into the control center's charts. Every figure comes from them.</summary>
public static class TelemetryCharts
{
    /// <summary>How many finished tasks the completion-time chart shows (the most recent ones).</summary>
    public const int CompletionTimePoints = 50;

    /// <summary>Finished tasks per hour, one series per outcome.</summary>
    public static ChartFigure TasksOverTime(IReadOnlyList<TaskOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var hours = outcomes.Select(o => Hour(o.Time)).Distinct().Order().ToList();
        var statuses = outcomes.Select(o => o.Status).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var series = statuses.Select(status => new ChartLine(status,
            hours.Select(hour => (double)outcomes.Count(o => o.Status == status && Hour(o.Time) == hour)).ToList())).ToList();
        return new ChartFigure(hours.Select(h => h.ToString("MM-dd HH:00", CultureInfo.InvariantCulture)).ToList(), series);
    }

    /// <summary>How many tasks finished after 1, 2, 3 ... iterations.</summary>
    public static ChartFigure IterationDistribution(IReadOnlyList<TaskOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var groups = outcomes.GroupBy(o => o.Iterations).OrderBy(g => g.Key).ToList();
        return new ChartFigure(groups.Select(g => g.Key.ToString(CultureInfo.InvariantCulture)).ToList(),
            [new ChartLine("tasks", groups.Select(g => (double)g.Count()).ToList())]);
    }

    /// <summary>Wall time of the most recent finished tasks, oldest first.</summary>
    public static ChartFigure CompletionTimes(IReadOnlyList<TaskOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var recent = outcomes.OrderByDescending(o => o.Time).Take(CompletionTimePoints).Reverse().ToList();
        return new ChartFigure(recent.Select(o => o.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).ToList(),
            [new ChartLine("seconds", recent.Select(o => Math.Round(o.DurationSeconds, 2)).ToList())]);
    }

    /// <summary>The Coordinator's answers by route (local, remote, ...), as its <c>/stats</c> counts them.</summary>
    public static ChartFigure Routes(CoordinatorStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var routes = stats.Routes.Where(r => r.Value > 0).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        return new ChartFigure(routes.Select(r => r.Key).ToList(), [new ChartLine("queries", routes.Select(r => (double)r.Value).ToList())]);
    }

    /// <summary>Cache hits and misses of the Coordinator's response cache.</summary>
    public static ChartFigure CacheHits(CoordinatorStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return stats.Cache.Hits + stats.Cache.Misses == 0
            ? ChartFigure.Empty
            : new ChartFigure(["hits", "misses"], [new ChartLine("lookups", [stats.Cache.Hits, stats.Cache.Misses])]);
    }

    /// <summary>p50 and p95 of the answer latency per route, from the Coordinator's <c>query_answered</c> events.</summary>
    public static ChartFigure Latency(IReadOnlyList<TelemetryEvent> queryAnswered)
    {
        ArgumentNullException.ThrowIfNull(queryAnswered);
        var byRoute = queryAnswered
            .Select(e => (Route: e.Payload["route"]?.GetValue<string>(), Latency: TaskOutcome.Number(e.Payload["latency_ms"])))
            .Where(x => x.Route is not null && x.Latency is not null)
            .GroupBy(x => x.Route!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Route: g.Key, Values: g.Select(x => x.Latency!.Value).Order().ToArray()))
            .ToList();
        return new ChartFigure(byRoute.Select(r => r.Route).ToList(),
        [
            new ChartLine("p50 ms", byRoute.Select(r => Percentile(r.Values, 0.50)).ToList()),
            new ChartLine("p95 ms", byRoute.Select(r => Percentile(r.Values, 0.95)).ToList()),
        ]);
    }

    /// <summary>Share of today's routed model calls per route, from the Coordinator's <c>route_decided</c> events.</summary>
    public static IReadOnlyDictionary<string, double> RouteShare(IReadOnlyList<TelemetryEvent> routeDecided)
    {
        ArgumentNullException.ThrowIfNull(routeDecided);
        var routes = routeDecided.Select(e => e.Payload["route"]?.GetValue<string>()).OfType<string>().ToList();
        return routes.GroupBy(r => r, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Math.Round((double)g.Count() / routes.Count, 4), StringComparer.Ordinal);
    }

    public static IReadOnlyList<TaskOutcome> Outcomes(IReadOnlyList<TelemetryEvent> taskCompleted)
    {
        ArgumentNullException.ThrowIfNull(taskCompleted);
        // Delivery is exactly-once, but a task resumed after a crash may report its end twice; the latest report counts.
        return taskCompleted.Select(TaskOutcome.From).OfType<TaskOutcome>()
            .GroupBy(o => o.TaskId, StringComparer.Ordinal).Select(g => g.MaxBy(o => o.Time)!).ToList();
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double quantile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Count);
        return Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)], 2);
    }

    private static DateTimeOffset Hour(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}
