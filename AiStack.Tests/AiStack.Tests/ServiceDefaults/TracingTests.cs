using System.Collections.Concurrent;
using System.Diagnostics;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace AiStack.Tests.ServiceDefaults;

public sealed class TracingTests
{
    [Fact]
    public async Task Server_spans_are_named_after_the_method_and_route_template()
    {
        var spans = new SpanCollector();
        var route = "/trace-" + Guid.NewGuid().ToString("N")[..8];
        await using var service = await TestServiceApp.StartAsync(spans.Register, app => app.MapGet(route + "/{id:int}", (int id) => Results.Ok(id)));
        using var client = service.Client();

        (await client.GetAsync(new Uri(route + "/42", UriKind.Relative))).Dispose();

        var span = await spans.WaitForAsync(activity => activity.DisplayName == $"GET {route}/{{id:int}}");
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal($"{route}/{{id:int}}", span.GetTagItem("http.route"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("GET", span.GetTagItem("http.request.method"));
    }

    [Fact]
    public async Task Health_probes_and_metrics_scrapes_are_kept_out_of_traces()
    {
        var spans = new SpanCollector();
        var marker = "/marker-" + Guid.NewGuid().ToString("N")[..8];
        await using var service = await TestServiceApp.StartAsync(spans.Register, app => app.MapGet(marker, () => Results.Ok()));
        using var client = service.Client();

        foreach (var path in new[] { "/health", "/health/ready", "/metrics", marker })
        {
            (await client.GetAsync(new Uri(path, UriKind.Relative))).Dispose();
        }

        var markerSpan = await spans.WaitForAsync(activity => activity.DisplayName == "GET " + marker);
        Assert.DoesNotContain(spans.Spans, activity =>
            activity.Kind == ActivityKind.Server && activity.GetTagItem("url.path") is "/health" or "/health/ready" or "/metrics");
        Assert.DoesNotContain(spans.Spans, activity => activity.DisplayName.StartsWith("GET /health", StringComparison.Ordinal) ||
                                                       activity.DisplayName == "GET /metrics");
        Assert.NotNull(markerSpan);
    }

    [Fact]
    public async Task Trace_context_flows_from_a_service_through_its_client_span_to_the_sibling_it_calls()
    {
        var spans = new SpanCollector();
        await using var downstream = await TestServiceApp.StartAsync(spans.Register,
            app => app.MapGet("/echo", (HttpContext context) => Results.Ok(new
            {
                trace_id = Activity.Current?.TraceId.ToString(),
                had_key = context.Request.Headers.ContainsKey(ApiKeyStore.HeaderName),
            })),
            kestrel: true);
        await using var upstream = await TestServiceApp.StartAsync(
            builder =>
            {
                spans.Register(builder);
                builder.Services.AddServiceClient<DownstreamClient>("downstream");
            },
            app => app.MapGet("/relay", async (DownstreamClient sibling) => Results.Text(await sibling.EchoAsync(), "application/json")),
            settings: new Dictionary<string, string?> { ["services:downstream:http:0"] = downstream.Address.ToString() });
        using var client = upstream.Client();

        var echo = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri("/relay", UriKind.Relative))).RootElement;

        var upstreamServer = await spans.WaitForAsync(activity => activity.DisplayName == "GET /relay");
        var downstreamServer = await spans.WaitForAsync(activity =>
            activity.DisplayName == "GET /echo" && activity.TraceId == upstreamServer.TraceId);
        var clientSpan = await spans.WaitForAsync(activity =>
            activity.Kind == ActivityKind.Client && activity.TraceId == upstreamServer.TraceId);
        Assert.Equal(upstreamServer.TraceId.ToString(), echo.GetProperty("trace_id").GetString());
        Assert.Equal(clientSpan.SpanId, downstreamServer.ParentSpanId);
        Assert.Equal(upstreamServer.SpanId, clientSpan.ParentSpanId);
        Assert.True(echo.GetProperty("had_key").GetBoolean(), "the typed service client must send the stack's API key");
    }

    [Fact]
    public async Task Without_any_exporter_a_request_still_carries_its_trace_id_to_siblings()
    {
        await using var downstream = await TestServiceApp.StartAsync(
            map: app => app.MapGet("/echo", (HttpContext context) => Results.Ok(new { traceparent = context.Request.Headers["traceparent"].ToString() })),
            kestrel: true);
        await using var upstream = await TestServiceApp.StartAsync(
            builder => builder.Services.AddServiceClient<DownstreamClient>("downstream"),
            app => app.MapGet("/relay", async (DownstreamClient sibling) => Results.Ok(new
            {
                trace_id = Activity.Current?.TraceId.ToString(),
                echo = await sibling.EchoAsync(),
            })),
            settings: new Dictionary<string, string?> { ["services:downstream:http:0"] = downstream.Address.ToString() });
        using var client = upstream.Client();

        var answer = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri("/relay", UriKind.Relative))).RootElement;
        var traceparent = System.Text.Json.JsonDocument.Parse(answer.GetProperty("echo").GetString()!).RootElement.GetProperty("traceparent").GetString()!;

        var traceId = answer.GetProperty("trace_id").GetString();
        Assert.False(string.IsNullOrEmpty(traceId));
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-0[01]$", traceparent);
    }

    private sealed class DownstreamClient(HttpClient http)
    {
        public Task<string> EchoAsync() => http.GetStringAsync(new Uri("echo", UriKind.Relative));
    }

    /// <summary>Receives finished spans the way an exporter does (only recorded ones reach it).</summary>
    private sealed class SpanCollector : BaseExporter<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public IReadOnlyCollection<Activity> Spans => _spans.ToArray();

        public void Register(WebApplicationBuilder builder) =>
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(this)));

        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                _spans.Enqueue(activity);
            }

            return ExportResult.Success;
        }

        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (_spans.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                await Task.Delay(20);
            }

            throw new Xunit.Sdk.XunitException("No matching span arrived; spans seen: " + string.Join(", ", _spans.Select(span => span.DisplayName)));
        }
    }
}
