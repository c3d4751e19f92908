using AiStack.Coordinator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Coordinator;

/// <summary>The Coordinator in-process, with its own AISTACK home and the test API key sent on every request.</summary>
public sealed class CoordinatorFactory : WebApplicationFactory<CoordinatorEntryPoint>
{
    public const string ApiKey = "test-coordinator-key";
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replaces services after the Coordinator's own, e.g. a scripted model standing in for llama.cpp.</param>
    public CoordinatorFactory(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? home = null)
    {
        _services = services;
        Home = home ?? Infrastructure.TestDirectories.NewPath("coordinator");
        _settings = new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = ApiKey,
            // Nothing listens here unless a test says otherwise: the KnowledgeBase is "down".
            ["services:knowledgebase:http:0"] = "http://127.0.0.1:9",
            ["Startup:DependencyWaitSeconds"] = "0",
            // Tests send bursts; the limiter itself is proven by the ServiceDefaults and KnowledgeBase tests.
            ["RateLimiting:Enabled"] = "false",
            ["Routing:BudgetStateFile"] = Path.Combine(Home, "remote-budget.json"),
            ["Routing:SettingsFile"] = Path.Combine(Home, "settings.json"),
            ["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(Home, "spool"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Home { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: the Coordinator reads some settings while registering its services.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    /// <summary>Serves on a real loopback port (for callers that are not this test's HttpClient, e.g. another Coordinator).</summary>
    public Uri StartOnPort(int port)
    {
        UseKestrel(port);
        StartServer();
        return new Uri($"http://127.0.0.1:{port}");
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
    }
}
