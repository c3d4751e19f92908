using AiStack.Clients;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Backends;

/// <summary>
/// The backends a task may name: those declared under <c>Ralph:Backends</c> plus the built-in <c>llm</c>. Declarations are checked
/// at start-up (<see cref="RalphOptionsValidator"/>), so a task can never reach an undeclared program.
/// </summary>
public sealed class BackendRegistry
{
    private readonly Dictionary<string, IAgentBackend> _backends = new(StringComparer.Ordinal);

    public BackendRegistry(IOptions<RalphOptions> options, IHttpClientFactory clients, CoordinatorClient coordinator)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        var fallback = TimeSpan.FromSeconds(settings.DefaultBackendTimeoutSeconds);
        _backends[LlmBackend.BuiltInName] = new LlmBackend(coordinator, fallback);
        foreach (var (name, declaration) in settings.Backends)
        {
            var timeout = declaration.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : fallback;
            _backends[name] = declaration.Type.ToLowerInvariant() switch
            {
                "command" => new CommandBackend(name, declaration, timeout, settings.MaxOutputChars),
                "http" => new HttpAgentBackend(name, new Uri(declaration.Url!.TrimEnd('/') + "/"), timeout, clients),
                "llm" => new LlmBackend(coordinator, timeout),
                _ => throw new InvalidOperationException($"Ralph:Backends:{name}:Type '{declaration.Type}' is not command, http or llm."),
            };
        }
    }

    public IReadOnlyCollection<string> Names => _backends.Keys.Order(StringComparer.Ordinal).ToList();

    public bool IsDeclared(string name) => _backends.ContainsKey(name);

    public IAgentBackend? Find(string name) => _backends.GetValueOrDefault(name);

    public IEnumerable<IAgentBackend> All => _backends.Values;
}

/// <summary>Start-up checks of <c>Ralph</c>, with messages that name the key to fix.</summary>
public sealed class RalphOptionsValidator : IValidateOptions<RalphOptions>
{
    public ValidateOptionsResult Validate(string? name, RalphOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (backend, declaration) in options.Backends)
        {
            var key = $"Ralph:Backends:{backend}";
            switch (declaration.Type.ToLowerInvariant())
            {
                case "command" when string.IsNullOrWhiteSpace(declaration.Executable):
                    failures.Add($"{key}:Executable is required for a command backend.");
                    break;
                case "command" when declaration.PromptMode is not ("stdin" or "argument"):
                    failures.Add($"{key}:PromptMode must be stdin or argument.");
                    break;
                case "http" when !Uri.TryCreate(declaration.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"):
                    failures.Add($"{key}:Url must be an absolute http(s) URL.");
                    break;
                case "command" or "http" or "llm":
                    break;
                default:
                    failures.Add($"{key}:Type must be command, http or llm (was '{declaration.Type}').");
                    break;
            }

            if (declaration.TimeoutSeconds is <= 0)
            {
                failures.Add($"{key}:TimeoutSeconds must be positive.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
