using AiStack.ServiceDefaults.Discovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiStack.Tests.ServiceDefaults;

public sealed class ConfigurationTests
{
    [Fact]
    public void A_service_address_is_read_from_the_aspire_environment_variable()
    {
        var name = "svc" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable($"services__{name}__http__0", "http://127.0.0.1:8091");
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();

            Assert.Equal(new Uri("http://127.0.0.1:8091/"), ServiceEndpoints.Resolve(configuration, name));
        }
        finally
        {
            Environment.SetEnvironmentVariable($"services__{name}__http__0", null);
        }
    }

    [Fact]
    public void A_base_path_keeps_its_last_segment_and_https_is_used_when_no_http_is_given()
    {
        var configuration = Configuration(new()
        {
            ["services:a:http:0"] = "http://host:1/api",
            ["services:b:https:0"] = "https://host:2",
        });

        Assert.Equal(new Uri("http://host:1/api/"), ServiceEndpoints.Resolve(configuration, "a"));
        Assert.Equal(new Uri("https://host:2/"), ServiceEndpoints.Resolve(configuration, "b"));
    }

    [Fact]
    public void A_missing_service_address_names_the_variable_to_set()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ServiceEndpoints.Resolve(Configuration(new()), "knowledgebase"));

        Assert.Contains("services__knowledgebase__http__0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_that_is_not_a_url_is_refused_with_the_variable_and_the_value()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ServiceEndpoints.Resolve(Configuration(new() { ["services:kb:http:0"] = "localhost:8091" }), "kb"));

        Assert.Contains("services__kb__http__0", error.Message, StringComparison.Ordinal);
        Assert.Contains("localhost:8091", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_client_without_an_address_stops_the_service_at_start_naming_the_variable()
    {
        var app = TestServiceApp.Build(
            builder => builder.Services.AddServiceClient<SiblingClient>("coordinator"), null, null, kestrel: false, out _);
        await using (app)
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains("services__coordinator__http__0", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Resilience:Retry:MaxRetryAttempts", "0", "MaxRetryAttempts")]
    [InlineData("Resilience:CircuitBreaker:BreakDuration", "00:00:00.1", "BreakDuration")]
    [InlineData("RateLimiting:Policies:expensive:UserPermitsPerMinute", "0", "RateLimiting:Policies:expensive:UserPermitsPerMinute must be between 1")]
    [InlineData("RateLimiting:Policies:ingest:ServicePermitsPerMinute", "-5", "RateLimiting:Policies:ingest:ServicePermitsPerMinute must be between 1")]
    [InlineData("Limits:MaxRequestBodyBytes", "10", "Limits:MaxRequestBodyBytes must be between 1024")]
    [InlineData("Startup:DependencyWaitSeconds", "-1", "Startup:DependencyWaitSeconds must be between 0 and 3600")]
    [InlineData("HealthChecks:TimeoutSeconds", "0", "HealthChecks:TimeoutSeconds must be between")]
    [InlineData("Resilience:AttemptTimeout:Timeout", "00:01:00", "attempt")]
    public async Task Invalid_options_stop_the_service_at_start_with_a_message_naming_the_setting(string key, string value, string expected)
    {
        var app = TestServiceApp.Build(null, null, new Dictionary<string, string?> { [key] = value }, kestrel: false, out _);
        await using (app)
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private sealed class SiblingClient(HttpClient http)
    {
        public HttpClient Http { get; } = http;
    }
}
