using AiStack.Clients;
using AiStack.Ralph.Commands;
using AiStack.Ralph.Workspaces;
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
                "command" => new CommandBackend(name, ExecutablePath.Resolve(declaration.Executable!)
                    ?? throw new InvalidOperationException($"Ralph:Backends:{name}:Executable '{declaration.Executable}' cannot be found."), declaration, timeout, settings.MaxOutputChars),
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
public sealed class RalphOptionsValidator(IConfiguration configuration) : IValidateOptions<RalphOptions>
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
                case "command" when ExecutablePath.Resolve(declaration.Executable!) is null:
                    failures.Add($"{key}:Executable '{declaration.Executable}' is neither an absolute path to an executable file nor a program on PATH.");
                    break;
                case "command" when declaration.PromptMode is not ("stdin" or "argument"):
                    failures.Add($"{key}:PromptMode must be stdin or argument.");
                    break;
                case "http" when !Uri.TryCreate(declaration.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"):
                    failures.Add($"{key}:Url must be an absolute http(s) URL.");
                    break;
                case "command":
                    failures.AddRange(PromptPlacementFailures(key, declaration.Arguments));
                    break;
                case "http" or "llm":
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

        CommandAllowList.Compile(options.Commands, failures);
        for (var i = 0; i < options.Commands.PassEnvironment.Count; i++)
        {
            var variable = options.Commands.PassEnvironment[i];
            if (string.IsNullOrWhiteSpace(variable) || variable.Contains('=', StringComparison.Ordinal))
            {
                failures.Add($"Ralph:Commands:PassEnvironment:{i} '{variable}' is not a variable name.");
            }
            else if (ChildEnvironment.LooksSecret(variable))
            {
                failures.Add($"Ralph:Commands:PassEnvironment:{i} '{variable}' looks like a secret and is never passed on; give an agent its key in Ralph:Backends:<name>:Environment.");
            }
        }

        var workspaces = new WorkspaceResolver(Options.Create(options), configuration);
        if (WorkspacePaths.IsUnder(workspaces.Root, workspaces.ScratchRoot) || WorkspacePaths.IsUnder(workspaces.ScratchRoot, workspaces.Root))
        {
            failures.Add($"Ralph:Commands:ScratchRoot ({workspaces.ScratchRoot}) and Ralph:WorkspaceRoot ({workspaces.Root}) must not contain each other.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// An argument that begins with the submitter's text would be an option when the text begins with '-': it must come after a
    /// literal <c>--</c> (or carry fixed text first, as in <c>--message={input}</c>, or use stdin or <c>{input_file}</c>).
    /// </summary>
    private static IEnumerable<string> PromptPlacementFailures(string key, IReadOnlyList<string> arguments)
    {
        var afterSeparator = false;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (!afterSeparator && CommandBackend.UserTextPlaceholders.FirstOrDefault(p => arguments[i].StartsWith(p, StringComparison.Ordinal)) is { } placeholder)
            {
                yield return $"{key}:Arguments:{i} starts with {placeholder} before any '--', so a prompt that begins with '-' would become an option: " +
                             $"put \"--\" before it, write it as --option={placeholder}, or pass the input on stdin or as {CommandBackend.InputFilePlaceholder}.";
            }

            afterSeparator |= arguments[i] == "--";
        }
    }
}
