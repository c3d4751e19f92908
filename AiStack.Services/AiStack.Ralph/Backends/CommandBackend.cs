using System.Globalization;
using System.Text.RegularExpressions;

namespace AiStack.Ralph.Backends;

/// <summary>
/// An agent CLI or any program, declared in configuration: started by its full path (resolved at start-up) with its argument list
/// in the task's workspace, the iteration input on standard input, in a file (<c>{input_file}</c>) or in an argument placeholder
/// after <c>--</c> (<see cref="RalphOptionsValidator"/>), so a prompt is never taken for an option. Its exit code is the
/// iteration's; exit 0 is its "completed" flag.
/// </summary>
public sealed partial class CommandBackend(string name, string executable, BackendDeclaration declaration, TimeSpan timeout, int maxOutputChars) : IAgentBackend
{
    public const string InputFilePlaceholder = "{input_file}";

    /// <summary>Placeholders that carry text of the task's submitter (the rest are Ralph's own values).</summary>
    public static readonly IReadOnlyList<string> UserTextPlaceholders = ["{input}", "{prompt}"];

    public string Name => name;

    public string Kind => "command";

    public TimeSpan Timeout => timeout;

    public async Task<BackendResult> RunAsync(BackendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (declaration.Arguments.Any(a => a.Contains(InputFilePlaceholder, StringComparison.Ordinal)))
        {
            await File.WriteAllTextAsync(request.InputFile, request.Input, cancellationToken);
        }

        // One pass, so a prompt that contains "{workspace}" stays as written.
        var arguments = declaration.Arguments.Select(argument => Placeholder().Replace(argument, match => match.Value switch
        {
            "{input}" => request.Input,
            "{prompt}" => request.Task.Prompt,
            InputFilePlaceholder => request.InputFile,
            "{iteration}" => request.Iteration.ToString(CultureInfo.InvariantCulture),
            "{workspace}" => request.Workspace,
            _ => request.Task.Id,
        }));
        var environment = new Dictionary<string, string>(request.Environment, StringComparer.Ordinal);
        foreach (var (key, value) in declaration.Environment)
        {
            environment[key] = value;
        }

        environment["RALPH_TASK_ID"] = request.Task.Id;
        environment["RALPH_ITERATION"] = request.Iteration.ToString(CultureInfo.InvariantCulture);
        environment["RALPH_WORKSPACE"] = request.Workspace;
        var stdin = string.Equals(declaration.PromptMode, "argument", StringComparison.OrdinalIgnoreCase) ? null : request.Input;
        var outcome = await ProcessRunner.RunAsync(executable, arguments, request.Workspace, stdin, request.Timeout, maxOutputChars,
            environment, cancellationToken);
        return new BackendResult(outcome.ExitCode, outcome.StandardOutput, string.IsNullOrEmpty(outcome.StandardError) ? null : outcome.StandardError,
            outcome.ExitCode == 0, [], 0, null);
    }

    [GeneratedRegex(@"\{(?:input|prompt|input_file|iteration|workspace|task_id)\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Placeholder();
}
