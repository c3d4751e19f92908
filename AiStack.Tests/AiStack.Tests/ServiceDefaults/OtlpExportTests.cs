using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.ServiceDefaults;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task With_an_otlp_endpoint_traces_metrics_and_logs_are_exported_to_it()
    {
        var received = new ConcurrentQueue<(string Path, string? ContentType, long Length)>();
        await using var collector = await StartCollectorAsync(received);
        var endpoint = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var service = await TestServiceApp.StartAsync(
            map: app => app.MapGet("/work", (ILogger<OtlpExportTests> logger) =>
            {
                logger.LogWarning("Work done for the OTLP test");
                return Results.Ok();
            }),
            settings: new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                // Export within a fraction of a second (the defaults wait 5 s and more), so a loaded machine does not decide the test.
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            });
        await using (service)
        {
            using var client = service.Client();
            (await client.GetAsync(new Uri("/work", UriKind.Relative))).Dispose();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && received.Select(request => request.Path).Distinct().Count() < 3)
            {
                await Task.Delay(100);
            }
        }

        var paths = received.Select(request => request.Path).ToHashSet();
        Assert.Contains("/v1/traces", paths);
        Assert.Contains("/v1/metrics", paths);
        Assert.Contains("/v1/logs", paths);
        Assert.All(received, request =>
        {
            Assert.Equal("application/x-protobuf", request.ContentType);
            Assert.True(request.Length > 0);
        });
    }

    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<(string, string?, long)> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path.Value!, context.Request.ContentType, body.Length));
            context.Response.ContentType = "application/x-protobuf";
        });
        await collector.StartAsync();
        return collector;
    }
}
