using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace AiStack.ServiceDefaults.Telemetry;

/// <summary>Who this process is in health answers and telemetry: <c>OTEL_SERVICE_NAME</c>, else the application name without its <c>AiStack.</c> prefix.</summary>
public sealed record ServiceIdentity(string Name, string Version)
{
    /// <summary>The name in the form a service key carries (lower-case letters, digits, '-' and '_').</summary>
    public string KeyName
    {
        get
        {
            var name = new string(Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
            return name.Length is > 0 and <= 64 ? name : name.Length == 0 ? "service" : name[..64];
        }
    }

    public static ServiceIdentity From(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var name = configuration["OTEL_SERVICE_NAME"];
        if (string.IsNullOrWhiteSpace(name))
        {
            name = environment.ApplicationName;
            name = name.StartsWith("AiStack.", StringComparison.Ordinal) ? name["AiStack.".Length..] : name;
            name = name.ToLowerInvariant();
        }

        var assembly = Assembly.GetEntryAssembly();
        var version = assembly?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? assembly?.GetName().Version?.ToString()
                      ?? "0.0.0";
        // The SDK appends "+<commit>" to the informational version; the health answer wants the release only.
        return new ServiceIdentity(name, version.Split('+', 2)[0]);
    }
}
