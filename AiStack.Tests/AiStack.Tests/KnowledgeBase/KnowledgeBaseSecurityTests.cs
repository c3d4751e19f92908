using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>The KnowledgeBase behind ServiceDefaults' API key and rate limiter, proven on its real route table.</summary>
public sealed class KnowledgeBaseSecurityTests
{
    private static readonly string[] Exempt = ["/health", "/health/live", "/health/ready", "/health/startup", "/metrics"];

    [Fact]
    public async Task Every_mapped_endpoint_but_health_and_metrics_refuses_a_request_without_the_key()
    {
        await using var factory = new KnowledgeBaseFactory();
        using var anonymous = factory.CreateClient();
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.Contains(endpoints, e => e.Pattern == "/context");
        Assert.Contains(endpoints, e => e.Pattern.StartsWith("/documents", StringComparison.Ordinal));

        foreach (var (method, pattern) in endpoints)
        {
            var path = "/" + pattern.TrimStart('/').Replace("{id}", "1", StringComparison.Ordinal).Replace("{id:long}", "1", StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await anonymous.SendAsync(request);
            if (Exempt.Contains("/" + pattern.Trim('/')))
            {
                Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {pattern} answered {(int)response.StatusCode} without a key");
            }
        }
    }

    [Fact]
    public async Task A_burst_of_100_context_queries_gets_60_answers_and_40_rejections_with_retry_after()
    {
        await using var factory = new KnowledgeBaseFactory(settings: new Dictionary<string, string?> { ["RateLimiting:Enabled"] = "true" });
        using var client = factory.CreateApiClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => client.PostJsonAsync("/context", new { query = $"burst query {i}" })));

        Assert.Equal(60, responses.Count(r => r.IsSuccessStatusCode));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(40, rejected.Count);
        Assert.All(rejected, r => Assert.True(r.Headers.RetryAfter is not null, "429 without Retry-After"));
        Assert.All(rejected, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
