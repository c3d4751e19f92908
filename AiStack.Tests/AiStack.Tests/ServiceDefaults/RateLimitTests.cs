using System.Net;
using System.Net.Http.Json;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

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
            settings: new Dictionary<string, string?> { ["RateLimiting:Policies:expensive:UserPermitsPerMinute"] = "2" });
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
            settings: new Dictionary<string, string?> { ["RateLimiting:Policies:expensive:UserPermitsPerMinute"] = "3" });
        await using var unlimited = await TestServiceApp.StartAsync(map: SampleEndpoints.Map,
            settings: new Dictionary<string, string?> { ["RateLimiting:Policies:expensive:UserPermitsPerMinute"] = "3", ["RateLimiting:Enabled"] = "false" });

        Assert.Equal(3, await SuccessesOutOf(limited, 5));
        Assert.Equal(5, await SuccessesOutOf(unlimited, 5));
    }

    [Fact]
    public async Task The_limit_holds_across_header_variations_of_one_caller()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map, settings: Limit(3));
        var variations = new Action<HttpRequestMessage>[]
        {
            request => request.Headers.Add("X-API-Key", TestServiceApp.ApiKey),
            request => request.Headers.Add("X-API-Key", "  " + TestServiceApp.ApiKey + " "),
            request => request.Headers.Add("x-api-key", [TestServiceApp.ApiKey, TestServiceApp.ApiKey]),
            request => request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestServiceApp.ApiKey),
            request =>
            {
                request.Headers.Add("X-API-Key", TestServiceApp.ApiKey);
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "another-" + Guid.NewGuid());
                request.Headers.Add("X-Forwarded-For", "10.0.0." + Random.Shared.Next(1, 255));
            },
            request =>
            {
                request.Headers.Add("X-API-Key", TestServiceApp.ApiKey);
                request.Headers.Add("X-API-Key-2", Guid.NewGuid().ToString());
            },
        };
        using var client = service.Client(withApiKey: false);
        var statuses = new List<HttpStatusCode>();
        foreach (var vary in variations.Concat(variations))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Search) { Content = JsonContent.Create(new { title = "t", priority = 1 }) };
            vary(request);
            using var response = await client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(9, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Two_different_keys_in_one_request_are_refused_rather_than_given_a_budget()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map, settings: Limit(3));
        using var client = service.Client(withApiKey: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, Search) { Content = JsonContent.Create(new { title = "t", priority = 1 }) };
        request.Headers.Add("X-API-Key", [TestServiceApp.ApiKey, "junk"]);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_user_and_each_service_have_separate_budgets_and_refusals_are_counted_in_metrics()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map, settings: new Dictionary<string, string?>
        {
            ["RateLimiting:Policies:expensive:UserPermitsPerMinute"] = "2",
            ["RateLimiting:Policies:expensive:ServicePermitsPerMinute"] = "4",
        });
        var keys = service.Services.GetRequiredService<StackApiKey>();

        Assert.Equal(2, await SuccessesOutOf(service, 5));
        Assert.Equal(4, await SuccessesOutOf(service, 6, keys.ServiceKey("ralph")));
        Assert.Equal(4, await SuccessesOutOf(service, 6, keys.ServiceKey("learning")));
        Assert.Equal(0, await SuccessesOutOf(service, 1));

        var metrics = await service.Client(withApiKey: false).GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("aistack_rate_limit_rejected_total{otel_scope_name=\"AiStack.ServiceDefaults\",caller=\"service:ralph\",caller_kind=\"service\",policy=\"expensive\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("aistack_rate_limit_rejected_total{otel_scope_name=\"AiStack.ServiceDefaults\",caller=\"user\",caller_kind=\"user\",policy=\"expensive\"} 4", metrics, StringComparison.Ordinal);
        Assert.Contains("aistack_rate_limit_permits_per_minute{otel_scope_name=\"AiStack.ServiceDefaults\",caller_kind=\"service\",policy=\"expensive\"} 4", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forged_service_key_is_refused()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        var forged = "svc.ralph." + new string('0', 64);

        Assert.Equal(0, await SuccessesOutOf(service, 1, forged));
    }

    [Fact]
    public async Task A_service_calling_a_sibling_through_its_clients_is_known_there_by_its_own_name()
    {
        await using var downstream = await TestServiceApp.StartAsync(
            map: app => app.MapGet("/whoami", (HttpContext context) => Results.Ok(new { caller = context.User.Identity?.Name })),
            kestrel: true);
        await using var upstream = await TestServiceApp.StartAsync(
            builder => builder.Services.AddHttpClient("plain"),
            settings: new Dictionary<string, string?> { ["services:downstream:http:0"] = downstream.Address.ToString(), ["OTEL_SERVICE_NAME"] = "ralph" });
        var factory = upstream.Services.GetRequiredService<IHttpClientFactory>();
        using var sibling = factory.CreateClient("plain");
        using var outside = factory.CreateClient("plain");

        var answer = await sibling.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri(downstream.Address, "/whoami"));
        using var notSibling = await outside.GetAsync(new Uri($"http://localhost:{downstream.Address.Port}/whoami"));

        Assert.Equal("service:ralph", answer.GetProperty("caller").GetString());
        // The same server under a name that is not a configured sibling address gets no key at all.
        Assert.Equal(HttpStatusCode.Unauthorized, notSibling.StatusCode);
    }

    private static Dictionary<string, string?> Limit(int userPermits) =>
        new() { ["RateLimiting:Policies:expensive:UserPermitsPerMinute"] = userPermits.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static async Task<int> SuccessesOutOf(TestServiceApp service, int calls, string? key = null)
    {
        using var client = service.Client(withApiKey: key is null);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", key);
        }

        var successes = 0;
        for (var call = 0; call < calls; call++)
        {
            using var response = await client.PostAsJsonAsync(Search, new { title = "t", priority = 1 });
            successes += response.IsSuccessStatusCode ? 1 : 0;
        }

        return successes;
    }
}
