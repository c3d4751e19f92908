using AiStack.ServiceDefaults.Errors;
using AiStack.ServiceDefaults.OpenApi;
using AiStack.ServiceDefaults.Health;
using AiStack.ServiceDefaults.Hosting;
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
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Everything every AiStack service shares, on the .NET Aspire ServiceDefaults template: a service's Program.cs calls
/// <see cref="AddServiceDefaults{TBuilder}"/>, registers its own parts, maps its endpoints and calls <see cref="MapDefaultEndpoints"/>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// OpenTelemetry (traces, metrics, logs; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; Prometheus <c>/metrics</c>),
    /// health checks and start-up dependency checks, the standard resilience handler and service discovery on every HttpClient,
    /// API-key security with per-service identities, rate limiting, request size limits and problem details; every option
    /// bound from configuration and validated at start-up.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var identity = ServiceIdentity.From(builder.Configuration, builder.Environment);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(identity);

        AddValidatedOptions<RequestLimitsOptions>(services, RequestLimitsOptions.SectionName);
        AddValidatedOptions<StartupOptions>(services, StartupOptions.SectionName);
        AddValidatedOptions<HealthChecksOptions>(services, HealthChecksOptions.SectionName);

        AddSecurity(services);
        AddErrorHandling(services);
        AddHealth(services);
        services.AddOpenApi(OpenApiDocuments.Configure);
        // Degraded and failing checks are reported by /health; logging each probe (every few seconds) only buries real problems.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Error);
        // Npgsql logs every executed command at Information once Aspire's client hands it the logger factory: the traces have
        // them. A default beneath every configuration source, so Logging:LogLevel:Npgsql still turns them back on.
        if (builder.Configuration is IConfigurationBuilder sources)
        {
            sources.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
            {
                InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Npgsql"] = "Warning" },
            });
        }
        ConfigureOpenTelemetry(builder, identity);
        AddHttpClientDefaults(builder);
        AddTelemetryOutbox(services);
        return builder;
    }

    /// <summary>
    /// Adds the shared middleware, in this order: problem details for every error, API-key check (which names the caller),
    /// body size limit, rate limiter; and maps <c>/health</c>, <c>/health/live</c>, <c>/health/ready</c>, <c>/health/startup</c>,
    /// <c>/metrics</c> and the OpenAPI document at <c>/openapi/v1.json</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Routing has already run (WebApplication puts it first), so every middleware below sees the matched endpoint.
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseRateLimiter();

        HealthEndpoints.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics").AllowWithoutApiKey().WithTags("Metrics");
        // Behind the key like every other endpoint: the document maps the whole attack surface.
        app.MapOpenApi(OpenApiDocuments.Route).ExcludeFromDescription();
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

    private static void AddSecurity(IServiceCollection services)
    {
        services.TryAddSingleton<StackApiKey>();
        // First of the hosted services: a bad key file stops the service before anything else starts.
        services.AddHostedService<ApiKeyStartupCheck>();
        AddValidatedOptions<RateLimitingOptions>(services, RateLimitingOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitingOptions>, RateLimitingOptionsValidator>());
        services.TryAddSingleton<RateLimitMetrics>();
        services.AddRateLimiter(RateLimitingSetup.Configure);
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<RequestLimitsOptions>>((kestrel, limits) => kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
    }

    /// <summary>As the Aspire template: the SDK through its hosting package, ASP.NET Core, HttpClient and runtime instrumentation, our sources and meters.</summary>
    private static void ConfigureOpenTelemetry(IHostApplicationBuilder builder, ServiceIdentity identity)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.TryAddSingleton<CircuitBreakerMetrics>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(identity.Name, serviceVersion: identity.Version,
                serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                foreach (var meter in TelemetrySources.Meters)
                {
                    metrics.AddMeter(meter);
                }

                // Resolving them creates their observable gauges before the first scrape.
                metrics.AddInstrumentation(sp => sp.GetRequiredService<CircuitBreakerMetrics>());
                metrics.AddInstrumentation(sp => sp.GetRequiredService<RateLimitMetrics>());
                metrics.AddPrometheusExporter();
                // The SDK listens to meters by name across the process; a meter made by another host's IMeterFactory (in-process
                // test hosts, several services in one process) belongs to that host's /metrics, not to ours.
                ((IDeferredMeterProviderBuilder)metrics).Configure((services, provider) =>
                {
                    var own = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                    provider.AddView(instrument => instrument.Meter.Scope is System.Diagnostics.Metrics.IMeterFactory other && !ReferenceEquals(other, own)
                        ? MetricStreamConfiguration.Drop
                        : null);
                });
            })
            .WithTracing(tracing =>
            {
                // Built even with nowhere to export: every request then carries a trace id, which flows to sibling services and
                // into problem details and logs, so one request can be followed across the stack without a collector.
                tracing.AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !TelemetrySources.IsInfrastructurePath(context.Request.Path.Value))
                    .AddHttpClientInstrumentation();
                foreach (var source in TelemetrySources.ActivitySources)
                {
                    tracing.AddSource(source);
                }
            });

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
            // The exporters retry on their own; the standard handler's retries (and their warnings, exported too) would only add noise.
            foreach (var exporterClient in (string[])["OtlpTraceExporter", "OtlpMetricExporter", "OtlpLogExporter"])
            {
                builder.Services.AddHttpClient(exporterClient).WithoutResilience();
            }
        }
    }

    /// <summary>
    /// Every HttpClient, outermost first: refused calls as <see cref="HttpRequestException"/>, the standard resilience handler (one
    /// pipeline, hence one breaker, per destination), service discovery, and this service's key on calls to its siblings.
    /// </summary>
    private static void AddHttpClientDefaults(IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton<CircuitBreakerRegistry>();
        services.TryAddSingleton<HttpResilienceEvents>();
        services.TryAddSingleton<SiblingAddresses>();
        services.TryAddTransient<RefusedCallHandler>();
        services.TryAddTransient(sp => new ServiceKeyHandler(sp.GetRequiredService<StackApiKey>(), sp.GetRequiredService<ServiceIdentity>(), sp.GetRequiredService<SiblingAddresses>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpStandardResilienceOptions>, StackResilienceDefaults>());
        services.AddOptions<Polly.Telemetry.TelemetryOptions>()
            .Configure<HttpResilienceEvents>((telemetry, events) => telemetry.TelemetryListeners.Add(events));
        // Polly logs each retry and breaker change with the whole exception; HttpResilienceEvents says the same in one line.
        builder.Logging.AddFilter("Polly", LogLevel.None);
        services.AddServiceDiscovery();
        services.ConfigureHttpClientDefaults(http =>
        {
            http.AddHttpMessageHandler<RefusedCallHandler>();
            http.AddStandardResilienceHandler().SelectPipelineByAuthority();
            http.AddServiceDiscovery();
            http.AddHttpMessageHandler<ServiceKeyHandler>();
        });
    }

    private static void AddTelemetryOutbox(IServiceCollection services)
    {
        AddValidatedOptions<TelemetryOutboxOptions>(services, TelemetryOutboxOptions.SectionName);
        services.TryAddSingleton<TelemetryOutbox>();
        services.TryAddSingleton<ITelemetryEvents>(sp => sp.GetRequiredService<TelemetryOutbox>());
        services.TryAddSingleton<TelemetryShipper>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryShipper>());
        services.AddHttpClient(TelemetryShipper.HttpClientName, (sp, http) =>
                http.BaseAddress = ServiceEndpoints.TryResolve(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<TelemetryOutboxOptions>>().Value.Destination))
            .AddHttpMessageHandler(sp => new ServiceKeyHandler(sp.GetRequiredService<StackApiKey>(), sp.GetRequiredService<ServiceIdentity>(), siblings: null));
        services.AddHealthChecks().AddCheck<TelemetryOutboxHealthCheck>("telemetry_outbox");
    }
}
