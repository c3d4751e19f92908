using System.Net;
using AiStack.ServiceDefaults;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.ServiceDefaults;

public sealed class StartupDependencyTests
{
    [Fact]
    public async Task A_critical_dependency_that_never_comes_up_stops_the_service_with_a_message_naming_it_and_its_fix()
    {
        var exitCode = 0;
        var app = TestServiceApp.Build(builder =>
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("database", _ => new SwitchableCheck(() =>
                HealthCheckResult.Unhealthy("connection refused on 127.0.0.1:5432",
                    data: new Dictionary<string, object> { ["fix"] = "start PostgreSQL or set ConnectionStrings__postgres" })),
                null, [HealthTags.Critical]));
            builder.Services.PostConfigure<StartupOptions>(options => options.SetExitCode = code => exitCode = code);
        }, null, new Dictionary<string, string?> { ["Startup:DependencyWaitSeconds"] = "0.5" }, kestrel: false, out var logs);
        await using (app)
        {
            var stopping = new TaskCompletionSource();
            app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

            await app.StartAsync();
            await stopping.Task.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(3, exitCode);
            Assert.Equal(StartupPhase.Failed, app.Services.GetRequiredService<StartupState>().Phase);
            var error = Assert.Single(logs.Lines, line => line.Level == LogLevel.Critical);
            Assert.Contains("'database'", error.Message, StringComparison.Ordinal);
            Assert.Contains("connection refused on 127.0.0.1:5432", error.Message, StringComparison.Ordinal);
            Assert.Contains("Fix: start PostgreSQL or set ConnectionStrings__postgres", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_critical_check_of_the_services_own_work_decides_readiness_but_never_stops_start_up()
    {
        var exitCode = 0;
        await using var service = await TestServiceApp.StartAsync(builder =>
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("resources", _ => new SwitchableCheck(() =>
                HealthCheckResult.Unhealthy("knowledgebase is still starting")), null, [HealthTags.Critical, HealthTags.Self]));
            builder.Services.PostConfigure<StartupOptions>(options => options.SetExitCode = code => exitCode = code);
        }, settings: new Dictionary<string, string?> { ["Startup:DependencyWaitSeconds"] = "0.2" });
        using var client = service.Client();

        await Task.Delay(500);
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(0, exitCode);
        Assert.Equal(StartupPhase.Completed, service.Services.GetRequiredService<StartupState>().Phase);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task Startup_is_unhealthy_while_waiting_and_healthy_once_the_dependency_comes_up()
    {
        var databaseUp = false;
        await using var service = await TestServiceApp.StartAsync(builder =>
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("database", _ => new SwitchableCheck(() =>
                databaseUp ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("not yet")), null, [HealthTags.Critical])),
            settings: new Dictionary<string, string?> { ["Startup:DependencyWaitSeconds"] = "30" },
            waitForStartup: false);
        using var client = service.Client();
        var state = service.Services.GetRequiredService<StartupState>();
        for (var wait = 0; wait < 500 && !state.Message.Contains("database", StringComparison.Ordinal); wait++)
        {
            await Task.Delay(10); // the first round of checks runs in the background
        }

        var (waitingStatus, waiting) = await HealthEndpointTests.Get(client, "/health/startup");
        var (notReadyStatus, _) = await HealthEndpointTests.Get(client, "/health/ready");
        databaseUp = true;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (service.Services.GetRequiredService<StartupState>().Phase != StartupPhase.Completed && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var (startedStatus, started) = await HealthEndpointTests.Get(client, "/health/startup");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, waitingStatus);
        Assert.Contains("database", waiting.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReadyStatus);
        Assert.Equal(HttpStatusCode.OK, startedStatus);
        Assert.Equal("healthy", started.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_service_without_critical_dependencies_is_started_at_once()
    {
        await using var service = await TestServiceApp.StartAsync();

        Assert.Equal(StartupPhase.Completed, service.Services.GetRequiredService<StartupState>().Phase);
        Assert.False(service.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }
}
