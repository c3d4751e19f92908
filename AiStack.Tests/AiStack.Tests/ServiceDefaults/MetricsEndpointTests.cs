using System.Diagnostics.Metrics;
using System.Net;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.ServiceDefaults;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_exposes_a_service_counter_and_histogram_in_prometheus_text_format()
    {
        await using var service = await TestServiceApp.StartAsync(
            builder => builder.Services.AddSingleton<WorkMetrics>(),
            app => app.MapPost("/work", (WorkMetrics metrics) =>
            {
                metrics.Done("index \"docs\"", 0.042);
                return Results.Ok();
            }));
        using var client = service.Client();
        for (var call = 0; call < 3; call++)
        {
            (await client.PostAsync(new Uri("/work", UriKind.Relative), null)).Dispose();
        }

        using var response = await service.Client(withApiKey: false).GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("# TYPE aistack_test_jobs_total counter\n# HELP aistack_test_jobs_total Jobs finished.\n", text, StringComparison.Ordinal);
        Assert.Contains("aistack_test_jobs_total{otel_scope_name=\"AiStack.Test\",job=\"index \\\"docs\\\"\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE aistack_test_job_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("aistack_test_job_duration_seconds_bucket{otel_scope_name=\"AiStack.Test\",job=\"index \\\"docs\\\"\",le=\"5\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("aistack_test_job_duration_seconds_bucket{otel_scope_name=\"AiStack.Test\",job=\"index \\\"docs\\\"\",le=\"+Inf\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("aistack_test_job_duration_seconds_count{otel_scope_name=\"AiStack.Test\",job=\"index \\\"docs\\\"\"} 3\n", text, StringComparison.Ordinal);
        AssertWellFormed(text);
    }

    [Fact]
    public async Task Metrics_include_aspnetcore_request_durations_by_route_and_circuit_breaker_states()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        service.Services.GetRequiredService<CircuitBreakerRegistry>().Register("remote-model", () => BreakerState.Open);
        using var client = service.Client();
        (await client.GetAsync(new Uri("/notes/7", UriKind.Relative))).Dispose();

        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/notes/{id:int}\"", text, StringComparison.Ordinal);
        Assert.Contains("aistack_circuit_breaker_state{otel_scope_name=\"AiStack.ServiceDefaults\",name=\"remote-model\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("aistack_rate_limit_permits_per_minute{otel_scope_name=\"AiStack.ServiceDefaults\",caller_kind=\"user\",policy=\"expensive\"} 60\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", text, StringComparison.Ordinal);
        AssertWellFormed(text);
    }

    [Fact]
    public async Task Two_services_in_one_process_do_not_see_each_others_requests()
    {
        await using var first = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        await using var second = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        using (var client = first.Client())
        {
            (await client.GetAsync(new Uri("/notes/7", UriKind.Relative))).Dispose();
        }

        using var secondClient = second.Client();
        var text = await secondClient.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.DoesNotContain("http_route=\"/notes/{id:int}\"", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The rules a Prometheus scrape checks: every sample belongs to a family declared once with HELP and TYPE before it,
    /// histogram buckets rise to +Inf which equals _count, and every line is "name{labels} value".
    /// </summary>
    internal static void AssertWellFormed(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        var sample = new System.Text.RegularExpressions.Regex(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? ([-+]?[0-9.eE+-]+|\\+Inf|-Inf|NaN)$");
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.True(helped.Add(line.Split(' ')[2]), $"HELP repeated: {line}");
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(declared.TryAdd(parts[2], parts[3]), $"TYPE repeated: {line}");
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram" });
                continue;
            }

            Assert.Matches(sample, line);
            var name = line[..line.IndexOfAny(['{', ' '])];
            var family = declared.Keys.FirstOrDefault(family => name == family ||
                (declared[family] == "histogram" && (name == family + "_bucket" || name == family + "_sum" || name == family + "_count")));
            Assert.True(family is not null, $"sample without a TYPE: {line}");
        }
    }

    private sealed class WorkMetrics
    {
        private readonly Counter<long> _jobs;
        private readonly Histogram<double> _duration;

        public WorkMetrics(IMeterFactory meters)
        {
            var meter = meters.Create("AiStack.Test");
            _jobs = meter.CreateCounter<long>("aistack.test.jobs", "{job}", "Jobs finished.");
            _duration = meter.CreateHistogram<double>("aistack.test.job.duration", "s", "Job duration.");
        }

        public void Done(string job, double seconds)
        {
            var tag = new KeyValuePair<string, object?>("job", job);
            _jobs.Add(1, tag);
            _duration.Record(seconds, tag);
        }
    }
}
