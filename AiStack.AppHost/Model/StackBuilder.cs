using System.Globalization;
using AiStack.ServiceDefaults.Security;
using Microsoft.Extensions.Configuration;

namespace AiStack.AppHost.Model;

/// <summary>
/// Declares the stack, in the shape of Aspire's DistributedApplicationBuilder: <c>AddProject</c>, <c>AddPostgres</c>, <c>AddRedis</c>,
/// <c>AddConnectionString</c>, then <c>Build().RunAsync()</c>. Command line and environment are read once here; a mistake in them
/// is collected and reported by <see cref="StackApplication.RunAsync"/> (exit code 2) instead of a stack trace.
/// </summary>
public sealed class StackBuilder
{
    public const int DefaultControlPort = 8890;
    public const string ControlResourceName = "apphost";
    private static readonly string[] Switches = ["--show-key", "--help", "-h"];
    private static readonly (string Option, string Key)[] OptionKeys =
    [
        ("--profile", ProfileKey), ("--tier", TierKey), ("--home", HomeKey), ("--show-key", ShowKeyKey), ("--help", HelpKey), ("-h", HelpKey),
    ];

    public const string ProfileKey = "AppHost:Profile";
    public const string TierKey = "AppHost:Tier";
    public const string HomeKey = "AppHost:Home";
    public const string ShowKeyKey = "AppHost:ShowKey";
    public const string HelpKey = "AppHost:Help";
    private readonly List<Resource> _resources = [];
    private readonly List<string> _errors = [];

    private StackBuilder(string[] args)
    {
        var (normalized, verb) = NormalizeArguments(args);
        Arguments = normalized;
        Web = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = normalized,
            // The AppHost's own appsettings.json lies beside its assembly, wherever it is started from.
            ContentRootPath = AppContext.BaseDirectory,
        });
        HelpRequested = Configuration.GetValue<bool>(HelpKey);
        if (verb is not null and not "run")
        {
            _errors.Add(verb == "publish"
                ? "'publish' (Kubernetes manifests) is not available in this version yet; use 'run' (the default)."
                : $"Unknown command '{verb}': use 'run' (the default).");
        }

        Context = CreateContext(Configuration);
        ControlPort = ReadPort(ControlResourceName, DefaultControlPort);
    }

    public static StackBuilder Create(string[] args) => new(args);

    internal WebApplicationBuilder Web { get; }

    internal string[] Arguments { get; }

    public IConfiguration Configuration => Web.Configuration;

    public StackContext Context { get; }

    /// <summary>Port of the control API (<c>Ports:apphost</c>, default 8890).</summary>
    public int ControlPort { get; }

    public bool ShowKey => Configuration.GetValue<bool>(ShowKeyKey);

    internal bool HelpRequested { get; }

    /// <summary>Every declared resource, in declaration order (a publisher walks this list too).</summary>
    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>Configuration mistakes found so far.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>A service project of this solution (a generated <c>Projects.*</c> class) on its fixed default port.</summary>
    public ResourceBuilder<ProjectResource> AddProject<TProject>(string name, int port)
        where TProject : IProjectMetadata, new() =>
        Add(new ProjectResource(name, new TProject(), ReadPort(name, port)));

    /// <summary>PostgreSQL: started in the full profile; the user's <c>ConnectionStrings__{name}</c> replaces it in any profile.</summary>
    public ResourceBuilder<PostgresServerResource> AddPostgres(string name, int port = 15432) =>
        Add(new PostgresServerResource(name, ReadPort(name, port), Configuration.GetConnectionString(name)));

    /// <summary>Redis: started in the full profile; the user's <c>ConnectionStrings__{name}</c> replaces it in any profile.</summary>
    public ResourceBuilder<RedisServerResource> AddRedis(string name, int port = 16379) =>
        Add(new RedisServerResource(name, ReadPort(name, port), Configuration.GetConnectionString(name)));

    /// <summary>A server the stack does not run (Qdrant): present only when <c>ConnectionStrings__{name}</c> is given.</summary>
    public ResourceBuilder<ConnectionStringResource> AddConnectionString(string name) =>
        Add(new ConnectionStringResource(name, Configuration.GetConnectionString(name)));

    public StackApplication Build() => new(this);

    private ResourceBuilder<T> Add<T>(T resource)
        where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name) || resource.Name == ControlResourceName)
        {
            throw new StackConfigurationException($"A resource named '{resource.Name}' is declared twice.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(resource);
    }

    private int ReadPort(string name, int defaultPort)
    {
        var configured = Configuration[$"Ports:{name}"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return defaultPort;
        }

        if (int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            return port;
        }

        _errors.Add($"Ports:{name} is '{configured}': give a TCP port from 1 to 65535.");
        return defaultPort;
    }

    private StackContext CreateContext(IConfiguration configuration)
    {
        var profile = StackProfile.Embedded;
        var requestedProfile = configuration[ProfileKey];
        if (!string.IsNullOrWhiteSpace(requestedProfile) &&
            !(Enum.TryParse(requestedProfile.Trim(), ignoreCase: true, out profile) && Enum.IsDefined(profile)))
        {
            _errors.Add($"Unknown profile '{requestedProfile}': use --profile embedded or --profile full.");
            profile = StackProfile.Embedded;
        }

        var tier = StackTier.Small;
        try
        {
            tier = TierSelector.Select(configuration[TierKey], MachineCapacity.Detect());
        }
        catch (StackConfigurationException ex)
        {
            _errors.Add(ex.Message);
        }

        var home = Path.GetFullPath(configuration[HomeKey] is { Length: > 0 } h ? h : DefaultHome());
        // Services and ServiceDefaults code inside the AppHost find the same folder and key.
        Environment.SetEnvironmentVariable("AISTACK_HOME", home);
        var apiKey = ApiKeyStore.GetOrCreate(configuration, Path.Combine(home, "api-key"));
        Web.Configuration[ApiKeyStore.ConfigurationKey] = apiKey;

        return new StackContext
        {
            Profile = profile,
            Tier = tier,
            Home = home,
            ApiKey = apiKey,
            EnvironmentName = Web.Environment.EnvironmentName,
            OpenTelemetrySettings = configuration.AsEnumerable()
                .Where(setting => setting.Key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase) &&
                                  !setting.Key.Equals("OTEL_SERVICE_NAME", StringComparison.OrdinalIgnoreCase) &&
                                  !string.IsNullOrWhiteSpace(setting.Value))
                .GroupBy(setting => setting.Key.ToUpperInvariant())
                .ToDictionary(group => group.Key, group => group.First().Value!),
        };
    }

    /// <summary><c>.aistack</c> at the repository root (the AppHost project's parent), or in the current folder when run elsewhere.</summary>
    private static string DefaultHome()
    {
        var repository = Path.GetDirectoryName(Projects.AppHostBuild.ProjectDirectory);
        return repository is not null && File.Exists(Path.Combine(repository, "AiStack.sln"))
            ? Path.Combine(repository, ".aistack")
            : Path.Combine(Directory.GetCurrentDirectory(), ".aistack");
    }

    /// <summary>Drops the optional verb ("run") and turns bare switches (--show-key) into key=true for the configuration system.</summary>
    internal static (string[] Arguments, string? Verb) NormalizeArguments(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? verb = null;
        var list = args.ToList();
        if (list.Count > 0 && !list[0].StartsWith('-'))
        {
            verb = list[0];
            list.RemoveAt(0);
        }

        return (list.Select(a => Qualify(Switches.Contains(a) ? a + "=true" : a)).ToArray(), verb);
    }

    /// <summary>
    /// The AppHost's own options live under <c>AppHost:</c> in configuration: a bare key such as "home" would also match
    /// the HOME environment variable (configuration keys ignore case), and the stack would settle in the user's home folder.
    /// </summary>
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

    internal static string Usage => """
        Usage: dotnet run --project AiStack.AppHost [-- [run] [options]]

          --profile embedded|full   embedded (default): no external servers; full: also PostgreSQL and Redis
          --tier small|medium|large|auto   which services start (default: auto, from RAM and cores)
          --home <folder>           the stack's state folder (default: .aistack at the repository root)
          --show-key                print the API key in the banner
          --Ports:<name>=<port>     move a resource (knowledgebase, postgres, redis, apphost, ...)
          --ConnectionStrings:<name>=<value>   use your own postgres, redis or qdrant

        See AiStack.AppHost/README.md.
        """;
}
