namespace AiStack.AppHost.Model;

/// <summary>Everything about this run that decides what starts and what each resource is given.</summary>
public sealed record StackContext
{
    public required StackProfile Profile { get; init; }

    public required StackTier Tier { get; init; }

    /// <summary>Absolute path of the stack's state folder (<c>.aistack</c>): data, API key, PostgreSQL and Redis folders.</summary>
    public required string Home { get; init; }

    public required string ApiKey { get; init; }

    /// <summary>Passed to every service as DOTNET_ENVIRONMENT / ASPNETCORE_ENVIRONMENT.</summary>
    public required string EnvironmentName { get; init; }

    /// <summary>The OTLP collector given by the user, if any.</summary>
    public string? OtlpEndpoint => OpenTelemetrySettings.GetValueOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT");

    /// <summary>
    /// The user's OpenTelemetry settings (every <c>OTEL_*</c> key: endpoint, protocol, headers, batch delays...), passed on to
    /// every service; only OTEL_SERVICE_NAME is the AppHost's own to set per resource.
    /// </summary>
    public IReadOnlyDictionary<string, string> OpenTelemetrySettings { get; init; } = new Dictionary<string, string>();

    public string ApiKeyFile => Path.Combine(Home, "api-key");
}
