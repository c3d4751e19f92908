using AiStack.AppHost.Stack;
using AiStack.AppHost.Supervision;
using AiStack.ServiceDefaults;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiStack.AppHost.Control;

/// <summary>What the control API's answers need besides the supervisor: the dashboard's address, when it runs.</summary>
public sealed record ControlApiContext(string? DashboardUrl);

/// <summary>
/// The control API (<c>http://127.0.0.1:8890</c>, <c>Ports:apphost</c>), served by the AppHost process next to Aspire: a small web
/// application with the services' own defaults (API key, problem details, health endpoints) over the <see cref="ResourceSupervisor"/>.
/// </summary>
internal sealed class ControlApiHost(
    ResourceSupervisor supervisor,
    StackOptions stack,
    ControlApiContext context,
    ParameterResource apiKey,
    IHostEnvironment environment) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var web = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // Its own address on the command line wins over ASPNETCORE_URLS, which names the Aspire dashboard's.
            Args = [$"--urls=http://127.0.0.1:{stack.ControlPort}"],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = environment.EnvironmentName,
        });
        web.Configuration[ApiKeyStore.ConfigurationKey] = await apiKey.GetValueAsync(cancellationToken);
        web.Configuration["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(stack.Home, "spool");
        // Every poll of the control API would otherwise log a few lines.
        web.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        web.AddServiceDefaults();
        web.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        web.Services.AddSingleton(supervisor);
        web.Services.AddSingleton(context);
        web.Services.AddHealthChecks().AddCheck("resources", new StackReadinessCheck(supervisor), tags: [HealthTags.Critical, HealthTags.Self]);
        _app = web.Build();
        _app.MapResourceEndpoints();
        _app.MapDefaultEndpoints();
        await _app.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>The AppHost's own readiness (<c>GET /health/ready</c> on the control port): every supervised resource healthy.</summary>
internal sealed class StackReadinessCheck(ResourceSupervisor supervisor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var waiting = supervisor.Resources.Where(r => !r.IsReady).Select(r => r.Name).ToList();
        return Task.FromResult(waiting.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"not ready yet: {string.Join(", ", waiting)}"));
    }
}
