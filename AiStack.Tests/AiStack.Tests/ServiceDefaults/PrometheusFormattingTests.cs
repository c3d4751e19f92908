using System.Diagnostics.Metrics;
using System.Text;
using AiStack.ServiceDefaults.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Tests.ServiceDefaults;

public sealed class PrometheusFormattingTests
{
    [Fact]
    public void A_counter_gets_help_and_type_once_and_a_total_suffix()
    {
        var family = new MetricFamily(PrometheusNaming.MetricName("aistack.requests", "{request}", MetricKind.Counter), "Requests served.", MetricKind.Counter);
        family.Series([new("route", "/a")]).Add(2);
        family.Series([new("route", "/b")]).Add(3);

        var text = Write(family);

        Assert.Equal(
            "# HELP aistack_requests_total Requests served.\n" +
            "# TYPE aistack_requests_total counter\n" +
            "aistack_requests_total{route=\"/a\"} 2\n" +
            "aistack_requests_total{route=\"/b\"} 3\n",
            text);
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_ending_in_inf_with_sum_and_count()
    {
        var family = new MetricFamily("latency_seconds", "Latency.", MetricKind.Histogram, [0.25, 1]);
        var series = family.Series([new("op", "read")]);
        series.Observe(0.125, family.BucketBounds);
        series.Observe(0.25, family.BucketBounds); // on the bound: counted in le="0.25"
        series.Observe(0.5, family.BucketBounds);
        series.Observe(7, family.BucketBounds);

        var text = Write(family);

        Assert.Equal(
            "# HELP latency_seconds Latency.\n" +
            "# TYPE latency_seconds histogram\n" +
            "latency_seconds_bucket{op=\"read\",le=\"0.25\"} 2\n" +
            "latency_seconds_bucket{op=\"read\",le=\"1\"} 3\n" +
            "latency_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n" +
            "latency_seconds_sum{op=\"read\"} 7.875\n" +
            "latency_seconds_count{op=\"read\"} 4\n",
            text);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline()
    {
        var family = new MetricFamily("paths", "Paths.", MetricKind.Gauge);
        family.Series([new("path", "C:\\dir \"quoted\"\nnext")]).Set(1);

        Assert.Contains("paths{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n", Write(family), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_text_escapes_backslash_and_newline() =>
        Assert.Equal("a\\\\b\\nc \"q\"", PrometheusNaming.EscapeHelp("a\\b\nc \"q\""));

    [Fact]
    public void Label_names_are_sorted_sanitized_and_never_repeated() =>
        Assert.Equal("a_b=\"1\",http_route=\"/x\"", MetricFamily.RenderLabels([new("http.route", "/x"), new("a-b", "1"), new("http.route", "/y")]));

    [Theory]
    [InlineData("http.server.request.duration", "s", MetricKind.Histogram, "http_server_request_duration_seconds")]
    [InlineData("aistack.cache.hits", "{hit}", MetricKind.Counter, "aistack_cache_hits_total")]
    [InlineData("aistack.cache.hits.total", null, MetricKind.Counter, "aistack_cache_hits_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", MetricKind.Counter, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("process.cpu.utilization", "1", MetricKind.Gauge, "process_cpu_utilization_ratio")]
    [InlineData("kestrel.active_connections", "{connection}", MetricKind.Gauge, "kestrel_active_connections")]
    [InlineData("queue.latency_seconds", "s", MetricKind.Gauge, "queue_latency_seconds")]
    [InlineData("io.rate", "By/s", MetricKind.Gauge, "io_rate_bytes_per_second")]
    [InlineData("9lives-and.more", null, MetricKind.Gauge, "_9lives_and_more")]
    public void Instrument_names_and_units_map_to_prometheus_names(string instrument, string? unit, MetricKind kind, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(instrument, unit, kind));

    [Fact]
    public void Special_values_use_prometheus_spelling()
    {
        Assert.Equal("+Inf", PrometheusNaming.FormatValue(double.PositiveInfinity));
        Assert.Equal("-Inf", PrometheusNaming.FormatValue(double.NegativeInfinity));
        Assert.Equal("NaN", PrometheusNaming.FormatValue(double.NaN));
        Assert.Equal("0.25", PrometheusNaming.FormatValue(0.25));
    }

    [Fact]
    public void The_collector_aggregates_every_kind_of_instrument_of_an_aistack_meter()
    {
        using var collector = new PrometheusMetricsCollector(null, NullLogger<PrometheusMetricsCollector>.Instance);
        collector.Start();
        var meterName = "AiStack.UnitTest" + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        var prefix = meterName.Replace('.', '_');
        meter.CreateCounter<long>(meterName + ".jobs", "{job}", "Jobs done.").Add(3, new KeyValuePair<string, object?>("kind", "a"));
        var histogram = meter.CreateHistogram<double>(meterName + ".duration", "s", "Job duration.");
        histogram.Record(0.003);
        histogram.Record(0.2);
        var queue = meter.CreateUpDownCounter<int>(meterName + ".queued", "{job}", "Jobs waiting.");
        queue.Add(5);
        queue.Add(-2);
        meter.CreateObservableGauge(meterName + ".temperature", () => 21.5, "Cel", "Temperature.");

        var text = collector.Scrape();

        Assert.Contains($"# TYPE {prefix}_jobs_total counter\n{prefix}_jobs_total{{kind=\"a\"}} 3\n", text, StringComparison.Ordinal);
        Assert.Contains($"# TYPE {prefix}_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains($"{prefix}_duration_seconds_bucket{{le=\"0.005\"}} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"{prefix}_duration_seconds_bucket{{le=\"0.25\"}} 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"{prefix}_duration_seconds_count 2\n", text, StringComparison.Ordinal);
        Assert.Contains($"# TYPE {prefix}_queued gauge\n{prefix}_queued 3\n", text, StringComparison.Ordinal);
        Assert.Contains($"# TYPE {prefix}_temperature_celsius gauge\n{prefix}_temperature_celsius 21.5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Meters_outside_the_stack_are_not_exported()
    {
        using var collector = new PrometheusMetricsCollector(null, NullLogger<PrometheusMetricsCollector>.Instance);
        collector.Start();
        var meterName = "Other.Library" + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        meter.CreateCounter<long>("other.calls").Add(1);

        Assert.DoesNotContain("other_calls", collector.Scrape(), StringComparison.Ordinal);
    }

    private static string Write(MetricFamily family)
    {
        var output = new StringBuilder();
        family.WriteTo(output);
        return output.ToString();
    }
}
