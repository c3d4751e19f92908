using AiStack.ServiceDefaults.Errors;
using AiStack.ServiceDefaults.Health;
using AiStack.ServiceDefaults.Hosting;
using AiStack.ServiceDefaults.Metrics;
using AiStack.ServiceDefaults.Resilience;
using AiStack.ServiceDefaults.Security;
using AiStack.ServiceDefaults.Discovery;
using AiStack.ServiceDefaults.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Logs;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Everything every AiStack service shares, in the shape of .NET Aspire's ServiceDefaults: a service's Program.cs calls
/// <see cref="AddServiceDefaults{TBuilder}"/>, registers its own parts, maps its endpoints and calls <see cref="MapDefaultEndpoints"/>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Telemetry (OpenTelemetry traces, metrics, logs; Prometheus <c>/metrics</c>), health checks and start-up dependency
    /// checks, resilience for every HttpClient, API-key security, rate limiting, request size limits and problem details;
    /// every option bound from configuration and validated at start-up.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var identity = ServiceIdentity.From(builder.Configuration, builder.Environment);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(identity);

        AddValidatedOptions<ResilienceOptions>(services, ResilienceOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResilienceOptions>, ResilienceOptionsValidator>());
        AddValidatedOptions<RateLimitingOptions>(services, RateLimitingOptions.SectionName);
        AddValidatedOptions<RequestLimitsOptions>(services, RequestLimitsOptions.SectionName);
        AddValidatedOptions<StartupOptions>(services, StartupOptions.SectionName);
        AddValidatedOptions<HealthChecksOptions>(services, HealthChecksOptions.SectionName);

        AddErrorHandling(services);
        AddHealth(services);
        // Degraded and failing checks are reported by /health; logging each probe (every few seconds) only buries real problems.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Error);
        AddResilience(services);
        AddSecurity(services);
        AddTelemetry(builder, identity);
        AddTelemetryOutbox(services);
        return builder;
    }

    /// <summary>
    /// Adds the shared middleware, in this order: span naming, problem details for every error, API-key check, body size limit,
    /// rate limiter; and maps <c>/health</c>, <c>/health/live</c>, <c>/health/ready</c>, <c>/health/startup</c> and <c>/metrics</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Routing has already run (WebApplication puts it first), so every middleware below sees the matched endpoint.
        app.UseMiddleware<ServerSpanMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseRateLimiter();

        HealthEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        return app;
    }

    private static void AddValidatedOptions<TOptions>(IServiceCollection services, string section) where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    private static void AddErrorHandling(IServiceCollection services)
    {
        services.AddProblemDetails();
        // Every service keeps the original stack's contracts, which are snake_case on the wire.
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Binding failures throw, so the exception handler can answer them with problem details that say what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
    }

    private static void AddHealth(IServiceCollection services)
    {
        services.AddHealthChecks();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HealthCheckServiceOptions>, HealthCheckTimeoutSetup>());
        services.TryAddSingleton<StartupState>();
        services.TryAddSingleton<HealthReporter>();
        services.AddHostedService<StartupDependencyCheck>();
    }

    private static void AddResilience(IServiceCollection services)
    {
        services.TryAddSingleton<CircuitBreakerRegistry>();
        services.TryAddSingleton<CircuitBreakerMetrics>();
        services.TryAddSingleton<HttpResiliencePipelines>();
        services.TryAddTransient<ResilienceHandler>();
        services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler<ResilienceHandler>());
    }

    private static void AddTelemetryOutbox(IServiceCollection services)
    {
        AddValidatedOptions<TelemetryOutboxOptions>(services, TelemetryOutboxOptions.SectionName);
        services.TryAddSingleton<TelemetryOutbox>();
        services.TryAddSingleton<ITelemetryEvents>(sp => sp.GetRequiredService<TelemetryOutbox>());
        services.TryAddSingleton<TelemetryShipper>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryShipper>());
        services.AddTransient<ApiKeyHandler>();
        services.AddHttpClient(TelemetryShipper.HttpClientName, (sp, http) =>
                http.BaseAddress = ServiceEndpoints.TryResolve(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<TelemetryOutboxOptions>>().Value.Destination))
            .AddHttpMessageHandler<ApiKeyHandler>();
        services.AddHealthChecks().AddCheck<TelemetryOutboxHealthCheck>("telemetry_outbox");
    }

    private static void AddSecurity(IServiceCollection services)
    {
        services.TryAddSingleton<StackApiKey>();
        services.AddRateLimiter(RateLimitingSetup.Configure);
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<RequestLimitsOptions>>((kestrel, limits) => kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
    }

    private static void AddTelemetry(IHostApplicationBuilder builder, ServiceIdentity identity)
    {
        var services = builder.Services;
        services.AddMetrics();
        services.TryAddSingleton<PrometheusMetricsCollector>();
        services.AddHostedService<MetricsStartup>();
        services.AddHostedService<TelemetryProviders>();

        if (OtlpSettings.From(builder.Configuration) is { } otlp)
        {
            // The exporters retry on their own; our pipeline (and its warnings, themselves exported) would only add noise.
            foreach (var exporterClient in (string[])["OtlpTraceExporter", "OtlpMetricExporter", "OtlpLogExporter"])
            {
                services.AddHttpClient(exporterClient).WithoutResilience();
            }

            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.SetResourceBuilder(TelemetryProviders.Resource(identity));
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
                logging.AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/logs"));
            });
        }
    }
}
