namespace AiStack.AppHost.Model;

/// <summary>
/// The environment a service process is given, in .NET Aspire's names, so the same service would run unchanged under Aspire.
/// </summary>
public static class ResourceEnvironment
{
    public static IReadOnlyDictionary<string, string> For(ProjectResource project, StackContext context)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(context);
        var url = project.Url.ToString().TrimEnd('/');
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = url,
            // A service's appsettings.json may name "Urls" itself, and app configuration wins over ASPNETCORE_-prefixed host settings;
            // the unprefixed variable sits above appsettings.json, so the port the AppHost chose always applies.
            ["URLS"] = url,
            ["DOTNET_ENVIRONMENT"] = context.EnvironmentName,
            ["ASPNETCORE_ENVIRONMENT"] = context.EnvironmentName,
            ["AISTACK_HOME"] = context.Home,
            ["AISTACK_PROFILE"] = context.Profile.ToString().ToLowerInvariant(),
            ["AISTACK_TIER"] = context.Tier.ToString().ToLowerInvariant(),
            ["Security__ApiKey"] = context.ApiKey,
            ["OTEL_SERVICE_NAME"] = project.Name,
            // One line per log entry, so prefixes, error detection and the ring buffers see whole entries.
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        foreach (var (name, value) in context.OpenTelemetrySettings)
        {
            environment[name] = value;
        }

        foreach (var reference in project.References.Where(r => r.IsEnabled(context)))
        {
            if (reference is IResourceWithEndpoint endpoint)
            {
                environment[$"services__{endpoint.Name}__http__0"] = endpoint.Url.ToString().TrimEnd('/');
            }

            if (reference is IResourceWithConnectionString withConnectionString &&
                withConnectionString.ConnectionStringFor(project, context) is { } connectionString)
            {
                environment[$"ConnectionStrings__{withConnectionString.Name}"] = connectionString;
            }
        }

        foreach (var (name, value) in project.Environment)
        {
            environment[name] = value;
        }

        return environment;
    }
}
