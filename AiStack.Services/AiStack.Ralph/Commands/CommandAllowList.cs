using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Commands;

/// <summary>A command that matched a rule: the rule's name and the program's real full path, which is what runs.</summary>
public sealed record AllowedCommand(string Rule, string Executable, IReadOnlyList<string> Arguments);

/// <summary>
/// The verify commands a task may name (<c>Ralph:Commands:Allowed</c> plus the built-in rules): a program resolved to its real
/// full path at start-up and a whole-argument pattern per position. A submission whose command matches no rule is refused.
/// </summary>
public sealed class CommandAllowList
{
    /// <summary>A value or a relative path: not an option, not absolute, never climbing out with <c>..</c>.</summary>
    public const string RelativeValue = @"(?![-/])(?!(?:[^\0]*/)?\.\.(?:/|\z))[^\0]+";

    /// <summary>Rules for the checks the README and the tests use; a rule whose program is not installed is inactive.</summary>
    public static IReadOnlyDictionary<string, CommandRule> Defaults { get; } = new Dictionary<string, CommandRule>(StringComparer.Ordinal)
    {
        ["dotnet"] = new() { Program = "dotnet", Arguments = ["test|build"], MoreArguments = "--no-build|--no-restore|--nologo|--filter|-c|--configuration|-v|--verbosity|" + RelativeValue },
        ["npm-test"] = new() { Program = "npm", Arguments = ["test"] },
        ["pytest"] = new() { Program = "pytest", MoreArguments = "-q|-x|-v|--maxfail=[0-9]+|-k|" + RelativeValue },
        ["make-test"] = new() { Program = "make", Arguments = ["test|check"] },
        ["test-file"] = new() { Program = "test", Arguments = ["-[edfsrx]", RelativeValue] },
        ["grep-quiet"] = new() { Program = "grep", Arguments = ["-q[FxiEw]*", "(?!-)[^\\0]*"], MoreArguments = RelativeValue },
    };

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private readonly IReadOnlyList<CompiledRule> _rules;

    public CommandAllowList(IOptions<RalphOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        _rules = Compile(options.Value.Commands, failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(RalphOptions.SectionName, typeof(RalphOptions), failures);
        }
    }

    /// <summary>The active rules, described as the refusals quote them.</summary>
    public IEnumerable<string> Describe() => _rules.Select(r => r.Describe());

    /// <summary>The rules of <paramref name="options"/> with their programs resolved; what is wrong with them goes to <paramref name="failures"/>.</summary>
    internal static List<CompiledRule> Compile(CommandsOptions options, List<string> failures)
    {
        var rules = new List<CompiledRule>();
        var all = new List<(string Name, CommandRule Rule, bool BuiltIn)>();
        if (options.IncludeDefaults)
        {
            all.AddRange(Defaults.Where(d => !options.Allowed.ContainsKey(d.Key)).Select(d => (d.Key, d.Value, true)));
        }

        all.AddRange(options.Allowed.Select(a => (a.Key, a.Value, false)));
        foreach (var (name, rule, builtIn) in all)
        {
            var key = $"Ralph:Commands:Allowed:{name}";
            var executable = ExecutablePath.Resolve(rule.Program ?? "");
            if (executable is null)
            {
                if (!builtIn)
                {
                    failures.Add($"{key}:Program '{rule.Program}' is neither an absolute path to an executable file nor a program on PATH.");
                }

                continue;
            }

            var positions = new List<Regex>();
            for (var i = 0; i < rule.Arguments.Count; i++)
            {
                if (TryCompile(rule.Arguments[i], $"{key}:Arguments:{i}", failures) is { } compiled)
                {
                    positions.Add(compiled);
                }
            }

            var more = rule.MoreArguments is null ? null : TryCompile(rule.MoreArguments, $"{key}:MoreArguments", failures);
            rules.Add(new CompiledRule(name, rule, executable, positions, more));
        }

        return rules;
    }

    /// <summary>Matches a command (program name or absolute path, then its arguments) against the rules.</summary>
    public bool TryMatch(IReadOnlyList<string> command, out AllowedCommand? allowed, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(command);
        allowed = null;
        problem = null;
        if (command.Count == 0)
        {
            problem = "the command is empty.";
            return false;
        }

        var program = command[0];
        var arguments = command.Skip(1).ToList();
        var executable = ExecutablePath.Resolve(program);
        var candidates = executable is null ? [] : _rules.Where(r => string.Equals(r.Executable, executable, StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            problem = $"'{program}' is not an allowed program (Ralph:Commands:Allowed allows: {string.Join("; ", Describe())}).";
            return false;
        }

        if (candidates.FirstOrDefault(r => r.Matches(arguments)) is { } rule)
        {
            allowed = new AllowedCommand(rule.Name, rule.Executable, arguments);
            return true;
        }

        problem = $"the arguments of '{program}' match no rule (Ralph:Commands:Allowed for it: {string.Join("; ", candidates.Select(c => c.Describe()))}).";
        return false;
    }

    private static Regex? TryCompile(string pattern, string key, List<string> failures)
    {
        try
        {
            return new Regex($"\\A(?:{pattern})\\z", RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            failures.Add($"{key} is not a valid regular expression: {e.Message}");
            return null;
        }
    }

    internal sealed record CompiledRule(string Name, CommandRule Source, string Executable, IReadOnlyList<Regex> Positions, Regex? More)
    {
        public bool Matches(IReadOnlyList<string> arguments)
        {
            if (arguments.Count < Positions.Count || (More is null && arguments.Count > Positions.Count))
            {
                return false;
            }

            try
            {
                return arguments.Select((argument, i) => i < Positions.Count ? Positions[i].IsMatch(argument) : More!.IsMatch(argument)).All(ok => ok);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

        public string Describe() =>
            $"'{Name}': {Source.Program}" + string.Concat(Source.Arguments.Select(a => $" `{Readable(a)}`")) + (Source.MoreArguments is { } more ? $" [`{Readable(more)}` ...]" : "");

        private static string Readable(string pattern) => pattern.Replace(RelativeValue, "<relative path or value>", StringComparison.Ordinal);
    }
}
