namespace AiStack.Cli.Stack;

/// <summary>
/// Where the services are and which API key to send, found the way the AppHost sets them: <c>services__&lt;name&gt;__http__0</c> in the
/// environment, else the default ports (KnowledgeBase 8091, Coordinator 8092, Learning 8095, Ralph 8098, the AppHost's control API
/// 8890) on 127.0.0.1; the key from
/// <c>AISTACK_API_KEY</c>, else <c>$AISTACK_HOME/api-key</c>, else <c>.aistack/api-key</c> in this folder or a parent.
/// </summary>
public sealed record StackConnection(IReadOnlyDictionary<string, Uri> Services, string? ApiKey)
{
    public static readonly IReadOnlyDictionary<string, int> DefaultPorts = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["knowledgebase"] = 8091,
        ["coordinator"] = 8092,
        ["learning"] = 8095,
        ["ralph"] = 8098,
        ["apphost"] = 8890,
    };

    public Uri this[string service] => Services[service];

    public static StackConnection Discover(Func<string, string?>? environment = null, string? workingDirectory = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var services = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var (name, port) in DefaultPorts)
        {
            var configured = environment($"services__{name}__http__0") ?? environment($"services__{name}__https__0");
            services[name] = new Uri((configured ?? $"http://127.0.0.1:{port}").TrimEnd('/') + "/");
        }

        return new StackConnection(services, FindApiKey(environment, workingDirectory ?? Directory.GetCurrentDirectory()));
    }

    private static string? FindApiKey(Func<string, string?> environment, string workingDirectory)
    {
        if (environment("AISTACK_API_KEY") is { Length: > 0 } key)
        {
            return key.Trim();
        }

        if (environment("AISTACK_HOME") is { Length: > 0 } home && File.Exists(Path.Combine(home, "api-key")))
        {
            return File.ReadAllText(Path.Combine(home, "api-key")).Trim();
        }

        for (var folder = new DirectoryInfo(workingDirectory); folder is not null; folder = folder.Parent)
        {
            var file = Path.Combine(folder.FullName, ".aistack", "api-key");
            if (File.Exists(file))
            {
                return File.ReadAllText(file).Trim();
            }
        }

        return null;
    }
}
