using AiStack.Clients;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Adaptive;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Commands;
using AiStack.Ralph.Loop;
using AiStack.Ralph.Settings;
using AiStack.Ralph.Tasks;
using AiStack.Ralph.Telemetry;
using AiStack.Ralph.Workspaces;
using AiStack.ServiceDefaults;
using AiStack.Storage;
using AiStack.Storage.Migrations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph;

public static class RalphExtensions
{
    /// <summary>Registers Ralph: storage and schema, settings, backends, the loop and its health check. Call after AddServiceDefaults (telemetry outbox, resilience).</summary>
    public static IHostApplicationBuilder AddRalph(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

        services.TryAddSingleton(TimeProvider.System);
        builder.AddServiceDatabase("ralph", MigrationSet.FromEmbeddedResources("ralph", typeof(RalphExtensions).Assembly));

        services.AddOptions<RalphOptions>().Bind(configuration.GetSection(RalphOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RalphOptions>, RalphOptionsValidator>();
        services.AddOptions<RalphSettings>().Bind(configuration.GetSection(RalphSettings.SectionName)).ValidateDataAnnotations().ValidateOnStart()
            .Validate(s => SettingsStore.Validate(s).Count == 0, "Ralph:Defaults:BaseLimits values must be 1-100.");

        // Generation can take minutes; the Coordinator is asked once per iteration, never retried behind the loop's back.
        services.AddServiceClient<CoordinatorClient>(CoordinatorClient.ServiceName).ConfigureResilience(o =>
        {
            o.TotalRequestTimeout.Timeout = TimeSpan.FromHours(1);
            o.AttemptTimeout.Timeout = TimeSpan.FromHours(1);
            o.CircuitBreaker.SamplingDuration = TimeSpan.FromHours(2);
        });
        services.AddHttpClient(HttpAgentBackend.ClientName).WithoutResilience().ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.AddSingleton<RalphTelemetry>();
        services.AddSingleton<SettingsStore>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<AdaptiveHistoryStore>();
        services.AddSingleton<BackendRegistry>();
        services.AddSingleton<WorkspaceResolver>();
        services.AddSingleton<CommandAllowList>();
        services.AddSingleton<ChildEnvironment>();
        services.AddSingleton<LoopSignal>();
        services.AddSingleton<ReplicaIdentity>();
        services.AddSingleton<IterationInputBuilder>();
        services.AddSingleton<TaskRunner>();
        services.AddSingleton<TaskSubmitter>();
        // After the database migrator (registered by AddServiceDatabase), so the schema exists when the loop starts.
        services.AddSingleton<RalphLoop>();
        services.AddHostedService(sp => sp.GetRequiredService<RalphLoop>());

        services.AddHealthChecks().AddCheck<LoopHealthCheck>("loop");
        return builder;
    }

    public static IEndpointRouteBuilder MapRalphEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapTaskEndpoints();
        app.MapSettingsEndpoints();
        return app;
    }
}
