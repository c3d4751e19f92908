using System.Globalization;
using AiStack.AppHost.Supervision;
using Microsoft.Extensions.Configuration;

namespace AiStack.AppHost.Stack;

/// <summary>What every AiStack service resource is given, on top of what Aspire injects (OTLP, service discovery, connection strings).</summary>
public static class ServiceResourceExtensions
{
    public const string ReadinessPath = "/health/ready";

    /// <summary>
    /// The service on its fixed port (<c>Ports:{name}</c> moves it), health-checked on <c>/health/ready</c>, with the stack's key,
    /// home, profile and tier, the tier's settings, and the user's <c>OTEL_*</c> settings when a collector was given.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStackDefaults(
        this IResourceBuilder<ProjectResource> builder, StackOptions stack, IResourceBuilder<ParameterResource> apiKey, int port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(apiKey);
        var configuration = builder.ApplicationBuilder.Configuration;
        var publishing = builder.ApplicationBuilder.ExecutionContext.IsPublishMode;
        port = StackOptions.ReadPort(configuration, builder.Resource.Name, port);

        // Not proxied: the service itself listens on the fixed port, so its address is the same in and out of the AppHost.
        // URLS (not only Aspire's ASPNETCORE_URLS) because each service's appsettings.json names its default Urls, which win over
        // ASPNETCORE_-prefixed variables but not over plain ones.
        builder = publishing
            ? builder.WithHttpEndpoint(targetPort: port).WithEnvironment("URLS", $"http://+:{port.ToString(CultureInfo.InvariantCulture)}")
            : builder.WithHttpEndpoint(port: port, targetPort: port, isProxied: false)
                .WithEnvironment("URLS", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");

        builder = builder
            .WithHttpHealthCheck(ReadinessPath)
            .WithSupervision()
            .WithEnvironment("Security__ApiKey", apiKey)
            .WithEnvironment("AISTACK_PROFILE", publishing ? "full" : stack.Profile.ToString().ToLowerInvariant())
            .WithEnvironment("AISTACK_TIER", stack.Tier.ToString().ToLowerInvariant())
            // One line per log entry, so that the recent-errors view and the dashboard see whole entries.
            .WithEnvironment("Logging__Console__FormatterOptions__SingleLine", "true")
            .WithEnvironment("Logging__Console__FormatterOptions__ColorBehavior", "Disabled");
        if (!publishing)
        {
            builder = builder.WithEnvironment("AISTACK_HOME", stack.Home);
            if (stack.Tier == StackTier.Small)
            {
                // ASP.NET Core picks the server GC, which sizes its heaps for throughput; on a small machine five services at once
                // matter more: the workstation GC keeps each one's idle memory down.
                builder = builder.WithEnvironment("DOTNET_gcServer", "0");
            }
        }

        foreach (var (key, value) in stack.TierSettings.AsConfiguration())
        {
            if (configuration[key] is null)
            {
                builder = builder.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return builder.WithUserOpenTelemetry(configuration);
    }

    /// <summary>
    /// How many replicas the published manifest asks for (the tier's choice), as <c>AISTACK_REPLICAS</c>: Aspire 13's manifest
    /// writer no longer emits a replica count, and the K3s generator reads this one. A local run has one process per service.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPublishedReplicas(this IResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ApplicationBuilder.ExecutionContext.IsPublishMode
            ? builder.WithEnvironment("AISTACK_REPLICAS", replicas.ToString(CultureInfo.InvariantCulture))
            : builder;
    }

    /// <summary>
    /// Passes sections of the AppHost's own configuration on: <c>--Inference:ModelPath=...</c> reaches the service as
    /// <c>Inference__ModelPath</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithConfiguration(this IResourceBuilder<ProjectResource> builder, params string[] sections)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sections);
        var configuration = builder.ApplicationBuilder.Configuration;
        return builder.WithEnvironment(context =>
        {
            foreach (var section in sections)
            {
                foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
                {
                    if (value is not null)
                    {
                        context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                    }
                }
            }
        });
    }

    /// <summary>
    /// A collector the user named (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and the other <c>OTEL_*</c> settings given to the AppHost)
    /// replaces the dashboard's OTLP endpoint for every service; without one, Aspire's own OTLP settings apply.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithUserOpenTelemetry(this IResourceBuilder<ProjectResource> builder, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        var settings = configuration.AsEnumerable()
            .Where(s => s.Key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase) && !s.Key.Contains(':', StringComparison.Ordinal) &&
                        !s.Key.Equals("OTEL_SERVICE_NAME", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(s.Value))
            .GroupBy(s => s.Key.ToUpperInvariant())
            .ToDictionary(g => g.Key, g => g.First().Value!);
        return builder.WithEnvironment(context =>
        {
            foreach (var (key, value) in settings)
            {
                context.EnvironmentVariables[key] = value;
            }
        });
    }
}
