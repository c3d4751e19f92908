using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AiStack.ServiceDefaults;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Tests.ServiceDefaults;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task A_failing_critical_dependency_makes_health_and_ready_unhealthy_with_503()
    {
        await using var service = await Start(databaseUp: true, cacheUp: true);
        var database = service.Services.GetRequiredService<DependencySwitch>();
        database.Up = false;
        using var client = service.Client();

        var (healthStatus, health) = await Get(client, "/health");
        var (readyStatus, ready) = await Get(client, "/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthStatus);
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.Equal("unhealthy", ready.GetProperty("status").GetString());
        Assert.Contains("database", ready.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_non_critical_dependency_makes_health_and_ready_degraded_with_200()
    {
        await using var service = await Start(databaseUp: true, cacheUp: false);
        using var client = service.Client();

        var (healthStatus, health) = await Get(client, "/health");
        var (readyStatus, ready) = await Get(client, "/health/ready");

        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("degraded", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_aggregate_lists_every_check_and_circuit_breaker_in_snake_case()
    {
        await using var service = await Start(databaseUp: true, cacheUp: false);
        service.Services.GetRequiredService<CircuitBreakerRegistry>().Register("local-model", () => BreakerState.HalfOpen);
        using var client = service.Client();

        var (_, health) = await Get(client, "/health");

        Assert.Equal("test-service", health.GetProperty("service").GetString());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()));
        Assert.True(health.GetProperty("timestamp").TryGetDateTimeOffset(out _));
        var checks = health.GetProperty("checks").EnumerateArray().ToDictionary(check => check.GetProperty("name").GetString()!);
        // telemetry_outbox comes with ServiceDefaults itself, in every service.
        Assert.Equal(["cache", "database", "telemetry_outbox"], checks.Keys.Order());
        Assert.True(checks["database"].GetProperty("critical").GetBoolean());
        Assert.Equal("healthy", checks["database"].GetProperty("status").GetString());
        Assert.False(checks["cache"].GetProperty("critical").GetBoolean());
        Assert.Equal("unhealthy", checks["cache"].GetProperty("status").GetString());
        Assert.Equal("redis refused the connection", checks["cache"].GetProperty("message").GetString());
        Assert.Equal("start redis-server", checks["cache"].GetProperty("data").GetProperty("fix").GetString());
        Assert.True(checks["cache"].GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Equal("HALF_OPEN", health.GetProperty("circuit_breakers").GetProperty("local-model").GetString());
    }

    [Fact]
    public async Task Probes_answer_in_the_original_shape()
    {
        await using var service = await Start(databaseUp: true, cacheUp: true);
        using var client = service.Client();

        foreach (var (path, type) in new[] { ("/health/live", "liveness"), ("/health/ready", "readiness"), ("/health/startup", "startup") })
        {
            var (status, probe) = await Get(client, path);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("healthy", probe.GetProperty("status").GetString());
            Assert.Equal(type, probe.GetProperty("check_type").GetString());
            Assert.False(string.IsNullOrEmpty(probe.GetProperty("message").GetString()));
            Assert.Equal(JsonValueKind.Object, probe.GetProperty("details").ValueKind);
            Assert.True(probe.GetProperty("timestamp").TryGetDateTimeOffset(out _));
            Assert.True(probe.GetProperty("duration_ms").GetDouble() >= 0);
        }
    }

    [Fact]
    public async Task Liveness_ignores_a_dead_critical_dependency()
    {
        await using var service = await Start(databaseUp: true, cacheUp: true);
        service.Services.GetRequiredService<DependencySwitch>().Up = false;
        using var client = service.Client();

        var (status, live) = await Get(client, "/health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", live.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_hung_non_critical_check_is_cut_off_by_its_timeout_and_degrades_the_service()
    {
        await using var service = await TestServiceApp.StartAsync(
            builder => builder.Services.AddHealthChecks().AddCheck<HungCheck>("redis"),
            settings: new Dictionary<string, string?> { ["HealthChecks:TimeoutSeconds"] = "0.3" });
        using var client = service.Client();

        var watch = Stopwatch.StartNew();
        var (status, health) = await Get(client, "/health");

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var redis = health.GetProperty("checks")[0];
        Assert.Equal("unhealthy", redis.GetProperty("status").GetString());
        Assert.Contains("No answer within 0.3 s", redis.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_every_health_endpoint_says_only_its_status()
    {
        await using var service = await Start(databaseUp: false, cacheUp: false);
        using var anonymous = service.Client(withApiKey: false);
        using var wrongKey = service.Client(withApiKey: false);
        wrongKey.DefaultRequestHeaders.Add("X-API-Key", "not-the-key");

        foreach (var client in new[] { anonymous, wrongKey })
        {
            foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup" })
            {
                using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                var body = await response.Content.ReadAsStringAsync();

                Assert.Equal(["status"], JsonDocument.Parse(body).RootElement.EnumerateObject().Select(property => property.Name));
                Assert.DoesNotContain("refused", body, StringComparison.Ordinal);
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);
        }
    }

    [Fact]
    public async Task A_service_key_shows_the_details_as_the_stack_key_does()
    {
        await using var service = await Start(databaseUp: true, cacheUp: false);
        using var client = service.Client(withApiKey: false);
        client.DefaultRequestHeaders.Add("X-API-Key", service.Services.GetRequiredService<AiStack.ServiceDefaults.Security.StackApiKey>().ServiceKey("ralph"));

        var (_, health) = await Get(client, "/health");

        Assert.Equal("redis refused the connection",
            health.GetProperty("checks").EnumerateArray().Single(check => check.GetProperty("name").GetString() == "cache").GetProperty("message").GetString());
    }

    private static async Task<TestServiceApp> Start(bool databaseUp, bool cacheUp)
    {
        var database = new DependencySwitch { Up = databaseUp };
        return await TestServiceApp.StartAsync(builder =>
        {
            builder.Services.AddSingleton(database);
            builder.Services.AddHealthChecks()
                .Add(new HealthCheckRegistration("database", _ => new SwitchableCheck(() => database.Up
                    ? HealthCheckResult.Healthy("connected")
                    : HealthCheckResult.Unhealthy("database refused the connection")), null, [HealthTags.Critical]))
                .AddCheck("cache", () => cacheUp
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("redis refused the connection", data: new Dictionary<string, object> { ["fix"] = "start redis-server" }));
        });
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> Get(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }

    private sealed class DependencySwitch
    {
        public volatile bool Up;
    }
}
