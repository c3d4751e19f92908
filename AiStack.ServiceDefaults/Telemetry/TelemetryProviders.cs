using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AiStack.ServiceDefaults.Telemetry;

/// <summary>
/// Owns the OpenTelemetry tracer and meter providers for the life of the host (the hosting package that would do this is
/// not served here). Spans go to OTLP when it is configured and to every <see cref="BaseProcessor{Activity}"/> registered in DI;
/// metrics go to OTLP only (Prometheus is served by <c>/metrics</c>).
/// </summary>
internal sealed class TelemetryProviders(
    IConfiguration configuration,
    ServiceIdentity identity,
    IEnumerable<BaseProcessor<Activity>> processors,
    ILogger<TelemetryProviders> logger) : IHostedService, IDisposable
{
    private TracerProvider? _tracerProvider;
    private MeterProvider? _meterProvider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var otlp = OtlpSettings.From(configuration);
        var extraProcessors = processors.ToList();
        // Built even with nowhere to export: it makes every request carry a trace id, which flows to sibling services and into
        // problem details and logs, so one request can be followed across the stack without a collector.
        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource(identity));
        foreach (var source in TelemetrySources.ActivitySources)
        {
            tracing.AddSource(source);
        }

        foreach (var processor in extraProcessors)
        {
            tracing.AddProcessor(processor);
        }

        if (otlp is not null)
        {
            tracing.AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/traces"));
            var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(Resource(identity)).AddMeter(TelemetrySources.Prefix + "*");
            foreach (var meter in TelemetrySources.FrameworkMeters)
            {
                metrics.AddMeter(meter);
            }

            _meterProvider = metrics.AddOtlpExporter((exporter, reader) => otlp.Apply(exporter, "v1/metrics")).Build();
            logger.LogInformation("Exporting traces, metrics and logs over OTLP ({Protocol}) to {Endpoint}", otlp.Protocol, otlp.Endpoint);
        }

        _tracerProvider = tracing.Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Flush what is buffered before the host disposes the exporters' HTTP connections.
        _tracerProvider?.ForceFlush(2000);
        _meterProvider?.ForceFlush(2000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _tracerProvider?.Dispose();
        _meterProvider?.Dispose();
    }

    internal static ResourceBuilder Resource(ServiceIdentity identity) =>
        ResourceBuilder.CreateDefault().AddService(identity.Name, serviceVersion: identity.Version, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId);
}
