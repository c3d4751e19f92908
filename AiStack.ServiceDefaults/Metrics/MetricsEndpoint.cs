using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AiStack.ServiceDefaults.Metrics;

internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/metrics", (PrometheusMetricsCollector collector) => Results.Text(collector.Scrape(), ContentType))
            .AllowWithoutApiKey()
            .WithTags("Metrics");
}
