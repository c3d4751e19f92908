using System.Collections.Concurrent;
using System.Net;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>The resilience that AddServiceDefaults puts on every HttpClient, against a real failing server.</summary>
public sealed class HttpClientResilienceTests
{
    [Fact]
    public async Task Every_client_from_the_factory_retries_and_each_can_be_tuned_or_opt_out()
    {
        var calls = new ConcurrentDictionary<string, int>();
        await using var failing = await TestServiceApp.StartAsync(
            map: app => app.MapGet("/flaky/{client}", (string client) =>
            {
                calls.AddOrUpdate(client, 1, (_, count) => count + 1);
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }).AllowWithoutApiKey(),
            kestrel: true);
        await using var service = await TestServiceApp.StartAsync(builder =>
            {
                builder.Services.AddHttpClient("plain");
                builder.Services.AddHttpClient("patient").ConfigureResilience(options => options.Retry.MaxRetryAttempts = 3);
                builder.Services.AddHttpClient("own-pipeline").WithoutResilience();
            },
            settings: new Dictionary<string, string?>
            {
                ["Resilience:Retry:MaxRetryAttempts"] = "1",
                ["Resilience:Retry:Delay"] = "00:00:00.001",
            });
        var factory = service.Services.GetRequiredService<IHttpClientFactory>();

        foreach (var name in new[] { "plain", "patient", "own-pipeline" })
        {
            using var client = factory.CreateClient(name);
            using var response = await client.GetAsync(new Uri(failing.Address, "/flaky/" + name));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Assert.Equal(2, calls["plain"]);
        Assert.Equal(4, calls["patient"]);
        Assert.Equal(1, calls["own-pipeline"]);
        var breakers = service.Services.GetRequiredService<CircuitBreakerRegistry>().Snapshot().Select(breaker => breaker.Key).ToList();
        var destination = $"127.0.0.1:{failing.Address.Port}";
        Assert.Equal([destination, "patient -> " + destination], breakers.Order());
    }
}
