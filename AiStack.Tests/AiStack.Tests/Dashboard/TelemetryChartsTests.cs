using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.Dashboard.Telemetry;

namespace AiStack.Tests.Dashboard;

public sealed class TelemetryChartsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 10, 15, 0, TimeSpan.Zero);

    private static TelemetryEvent Completed(string task, string status, int iterations, double seconds, DateTimeOffset time) =>
        new(Guid.NewGuid().ToString("N"), time, "ralph", TelemetryEventTypes.TaskCompleted, null, task, new JsonObject
        {
            ["task_id"] = task, ["status"] = status, ["total_iterations"] = iterations, ["duration_s"] = seconds,
            ["task"] = new JsonObject { ["backend"] = "command", ["error"] = status == "completed" ? null : "exit 1" },
        });

    private static TelemetryEvent Answered(string route, double latency) =>
        new(Guid.NewGuid().ToString("N"), At, "coordinator", TelemetryEventTypes.QueryAnswered, null, null, new JsonObject { ["route"] = route, ["latency_ms"] = latency });

    [Fact]
    public void Tasks_are_counted_per_hour_and_outcome_and_a_task_reported_twice_counts_once()
    {
        var outcomes = TelemetryCharts.Outcomes(
        [
            Completed("a", "completed", 2, 3, At), Completed("b", "failed", 5, 9, At.AddMinutes(10)),
            Completed("c", "completed", 2, 4, At.AddHours(1)), Completed("c", "completed", 2, 4, At.AddHours(1).AddSeconds(1)),
        ]);

        var perHour = TelemetryCharts.TasksOverTime(outcomes);
        Assert.Equal(["12-01 10:00", "12-01 11:00"], perHour.Labels);
        Assert.Equal([1.0, 1.0], perHour.Series.Single(s => s.Name == "completed").Values);
        Assert.Equal([1.0, 0.0], perHour.Series.Single(s => s.Name == "failed").Values);

        var iterations = TelemetryCharts.IterationDistribution(outcomes);
        Assert.Equal(["2", "5"], iterations.Labels);
        Assert.Equal([2.0, 1.0], iterations.Series.Single().Values);
        Assert.Equal(3, TelemetryCharts.CompletionTimes(outcomes).PointCount);
    }

    [Fact]
    public void Latency_percentiles_are_nearest_rank_per_route()
    {
        var events = Enumerable.Range(1, 20).Select(i => Answered("local", i)).Append(Answered("remote", 100)).ToList();
        var latency = TelemetryCharts.Latency(events);
        Assert.Equal(["local", "remote"], latency.Labels);
        Assert.Equal([10.0, 100.0], latency.Series[0].Values);
        Assert.Equal([19.0, 100.0], latency.Series[1].Values);
        Assert.Equal(0, TelemetryCharts.Percentile([], 0.5));
    }

    [Fact]
    public void Route_share_is_the_fraction_of_routed_calls()
    {
        var share = TelemetryCharts.RouteShare([Answered("local", 1), Answered("local", 1), Answered("local", 1), Answered("remote", 1)]);
        Assert.Equal(0.75, share["local"]);
        Assert.Equal(0.25, share["remote"]);
    }
}
