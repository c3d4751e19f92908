using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AiStack.AppHost.Stack;

/// <summary>
/// The AppHost's own options (<c>--profile</c>, <c>--tier</c>, <c>--home</c>, ...), read once from the command line and
/// configuration. They live under <c>AppHost:</c> in configuration: a bare key such as "home" would also match the HOME
/// environment variable (configuration keys ignore case), and the stack would settle in the user's home folder.
/// </summary>
public sealed class StackOptions
{
    public const string ProfileKey = "AppHost:Profile";
    public const string TierKey = "AppHost:Tier";
    public const string HomeKey = "AppHost:Home";
    public const string ShowKeyKey = "AppHost:ShowKey";
    public const string NoDashboardKey = "AppHost:NoDashboard";
    public const string AnonymousDashboardKey = "AppHost:DashboardAnonymous";
    public const int DefaultControlPort = 8890;
    public const int DefaultDashboardPort = 18888;
    public const int DefaultOtlpPort = 18889;
    public const int DefaultResourceServicePort = 18887;

    private static readonly (string Option, string Key)[] OptionKeys =
    [
        ("--profile", ProfileKey), ("--tier", TierKey), ("--home", HomeKey), ("--show-key", ShowKeyKey),
        ("--no-dashboard", NoDashboardKey), ("--dashboard-anonymous", AnonymousDashboardKey),
    ];

    private static readonly string[] Switches = ["--show-key", "--no-dashboard", "--dashboard-anonymous"];

    public required StackProfile Profile { get; init; }

    public required StackTier Tier { get; init; }

    /// <summary>Why this tier: asked for, or what was detected.</summary>
    public required string TierReason { get; init; }

    public required TierSettings TierSettings { get; init; }

    /// <summary>Absolute path of the stack's state folder (<c>.aistack</c>): data, API key, PostgreSQL and Redis folders.</summary>
    public required string Home { get; init; }

    public bool ShowKey { get; init; }

    public int ControlPort { get; init; } = DefaultControlPort;

    public string ApiKeyFile => Path.Combine(Home, "api-key");

    /// <summary>
    /// The arguments as Aspire's builder should see them: the optional verb ("run") dropped, bare switches turned into
    /// key=true, our options moved under <c>AppHost:</c>, and fixed local dashboard addresses where none are configured
    /// (a launch profile or the environment may set them; <c>dotnet AiStack.AppHost.dll</c> has neither).
    /// </summary>
    public static string[] NormalizeArguments(string[] args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var list = args.ToList();
        if (list.Count > 0 && list[0] == "run")
        {
            list.RemoveAt(0);
        }

        var normalized = list.Select(a => Qualify(Switches.Contains(a) ? a + "=true" : a)).ToList();
        var publishing = normalized.Any(a => a.StartsWith("--publisher", StringComparison.Ordinal) || a.StartsWith("--operation", StringComparison.Ordinal));
        if (!publishing)
        {
            AddDefault(normalized, environment, "ASPNETCORE_URLS", $"http://127.0.0.1:{DefaultDashboardPort}");
            AddDefault(normalized, environment, "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", $"http://127.0.0.1:{DefaultOtlpPort}");
            AddDefault(normalized, environment, "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", $"http://127.0.0.1:{DefaultResourceServicePort}");
        }

        if (normalized.Contains($"--{AnonymousDashboardKey}=true"))
        {
            // Only behind the explicit switch: the dashboard shows logs and environment, so it asks for its login token otherwise.
            normalized.Add("--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true");
        }

        return [.. normalized];
    }

    public static bool DashboardDisabled(string[] normalizedArguments) =>
        normalizedArguments.Contains($"--{NoDashboardKey}=true");

    public static StackOptions Read(IConfiguration configuration, string defaultHome, MachineCapacity capacity)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var profile = StackProfile.Embedded;
        var requestedProfile = configuration[ProfileKey];
        if (!string.IsNullOrWhiteSpace(requestedProfile) &&
            !(Enum.TryParse(requestedProfile.Trim(), ignoreCase: true, out profile) && Enum.IsDefined(profile)))
        {
            throw new StackConfigurationException($"Unknown profile '{requestedProfile}': use --profile embedded or --profile full.");
        }

        var requestedTier = configuration[TierKey];
        var tier = TierSelector.Select(requestedTier, capacity);
        var reason = string.IsNullOrWhiteSpace(requestedTier) || requestedTier.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? $"detected: {capacity.MemoryBytes / (double)TierSelector.GiB:0.#} GiB, {capacity.Cores} cores"
            : "asked for with --tier";
        return new StackOptions
        {
            Profile = profile,
            Tier = tier,
            TierReason = reason,
            TierSettings = TierSettings.For(tier, capacity),
            Home = Path.GetFullPath(configuration[HomeKey] is { Length: > 0 } home ? home : defaultHome),
            ShowKey = configuration.GetValue<bool>(ShowKeyKey),
            ControlPort = ReadPort(configuration, "apphost", DefaultControlPort),
        };
    }

    /// <summary>A resource's port: <c>Ports:{name}</c> when given (a second stack beside the first, the tests), else its fixed default.</summary>
    public static int ReadPort(IConfiguration configuration, string name, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[$"Ports:{name}"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return defaultPort;
        }

        return int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new StackConfigurationException($"Ports:{name} is '{configured}': give a TCP port from 1 to 65535.");
    }

    private static void AddDefault(List<string> arguments, Func<string, string?> environment, string key, string value)
    {
        if (string.IsNullOrEmpty(environment(key)) && !arguments.Any(a => a.StartsWith($"--{key}=", StringComparison.Ordinal)))
        {
            arguments.Add($"--{key}={value}");
        }
    }

    private static string Qualify(string argument)
    {
        foreach (var (option, key) in OptionKeys)
        {
            if (argument == option || argument.StartsWith(option + "=", StringComparison.Ordinal))
            {
                return "--" + key + argument[option.Length..];
            }
        }

        return argument;
    }
}
