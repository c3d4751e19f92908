using System.Net;
using System.Net.Http.Json;

namespace AiStack.Tests.ServiceDefaults;

public sealed class RateLimitTests
{
    private static readonly Uri Search = new("/notes/search", UriKind.Relative);

    [Fact]
    public async Task A_burst_of_100_to_an_expensive_endpoint_gets_60_answers_and_40_refusals_with_retry_after()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        using var client = service.Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            client.PostAsJsonAsync(Search, new { title = "t", priority = 1 })));
        try
        {
            Assert.Equal(60, responses.Count(response => response.IsSuccessStatusCode));
            var refused = responses.Where(response => response.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.Equal(40, refused.Count);
            Assert.All(refused, response =>
            {
                Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            });
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Endpoints_that_did_not_opt_in_are_not_limited()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map,
            settings: new Dictionary<string, string?> { ["RateLimiting:ExpensivePermitsPerMinute"] = "2" });
        using var client = service.Client();

        for (var call = 0; call < 10; call++)
        {
            using var response = await client.GetAsync(new Uri("/notes", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task The_limit_is_configurable_and_can_be_turned_off()
    {
        await using var limited = await TestServiceApp.StartAsync(map: SampleEndpoints.Map,
            settings: new Dictionary<string, string?> { ["RateLimiting:ExpensivePermitsPerMinute"] = "3" });
        await using var unlimited = await TestServiceApp.StartAsync(map: SampleEndpoints.Map,
            settings: new Dictionary<string, string?> { ["RateLimiting:ExpensivePermitsPerMinute"] = "3", ["RateLimiting:Enabled"] = "false" });

        Assert.Equal(3, await SuccessesOutOf(limited, 5));
        Assert.Equal(5, await SuccessesOutOf(unlimited, 5));
    }

    private static async Task<int> SuccessesOutOf(TestServiceApp service, int calls)
    {
        using var client = service.Client();
        var successes = 0;
        for (var call = 0; call < calls; call++)
        {
            using var response = await client.PostAsJsonAsync(Search, new { title = "t", priority = 1 });
            successes += response.IsSuccessStatusCode ? 1 : 0;
        }

        return successes;
    }
}
