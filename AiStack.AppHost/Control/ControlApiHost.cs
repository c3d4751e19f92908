using AiStack.AppHost.Stack;
using AiStack.AppHost.Supervision;
using AiStack.ServiceDefaults;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
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
/// A background service started before Aspire's orchestrator: Aspire's start returns only when every WaitFor is met, and the
/// control API must answer while a resource is still starting, or never starts (a crash loop).
/// </summary>
internal sealed partial class ControlApiHost(
    ResourceSupervisor supervisor,
    StackOptions stack,
    ControlApiContext context,
    ParameterResource apiKey,
    IHostEnvironment environment,
    IConfiguration appConfiguration,
    IHostApplicationLifetime lifetime,
    ILogger<ControlApiHost> logger) : BackgroundService, IAsyncDisposable
{
    private WebApplication? _app;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The key's value is there once Aspire has processed its parameters, a moment into its start.
            var key = await apiKey.GetValueAsync(stoppingToken);
            var web = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                // Its own address on the command line wins over ASPNETCORE_URLS, which names the Aspire dashboard's.
                Args = [$"--urls=http://127.0.0.1:{stack.ControlPort}"],
                ContentRootPath = AppContext.BaseDirectory,
                EnvironmentName = environment.EnvironmentName,
            });
            web.Configuration[ApiKeyStore.ConfigurationKey] = key;
            web.Configuration["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(stack.Home, "spool");
            // The operator's limits (RateLimiting:...) given to the AppHost apply to its control API.
            foreach (var (setting, value) in appConfiguration.GetSection("RateLimiting").AsEnumerable())
            {
                if (value is not null)
                {
                    web.Configuration[setting] = value;
                }
            }
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
            await _app.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Without its control API the stack cannot be supervised from outside: stop rather than run half-managed.
            LogFailed(ex, stack.ControlPort, ex.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
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

        Dispose();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The control API could not start on port {Port}: {Error}")]
    private partial void LogFailed(Exception exception, int port, string error);
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
