using System.Globalization;

namespace AiStack.Ralph.Backends;

/// <summary>
/// An agent CLI or any program, declared in configuration: started with its argument list in the task's workspace, the iteration
/// input on standard input (or in an argument placeholder). Its exit code is the iteration's; exit 0 is its "completed" flag.
/// </summary>
public sealed class CommandBackend(string name, BackendDeclaration declaration, TimeSpan timeout, int maxOutputChars) : IAgentBackend
{
    public string Name => name;

    public string Kind => "command";

    public TimeSpan Timeout => timeout;

    public async Task<BackendResult> RunAsync(BackendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = declaration.Arguments.Select(argument => argument
            .Replace("{input}", request.Input, StringComparison.Ordinal)
            .Replace("{prompt}", request.Task.Prompt, StringComparison.Ordinal)
            .Replace("{iteration}", request.Iteration.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{workspace}", request.Workspace, StringComparison.Ordinal)
            .Replace("{task_id}", request.Task.Id, StringComparison.Ordinal));
        var environment = new Dictionary<string, string>(declaration.Environment, StringComparer.Ordinal)
        {
            ["RALPH_TASK_ID"] = request.Task.Id,
            ["RALPH_ITERATION"] = request.Iteration.ToString(CultureInfo.InvariantCulture),
            ["RALPH_WORKSPACE"] = request.Workspace,
        };
        var stdin = string.Equals(declaration.PromptMode, "argument", StringComparison.OrdinalIgnoreCase) ? null : request.Input;
        var outcome = await ProcessRunner.RunAsync(declaration.Executable!, arguments, request.Workspace, stdin, request.Timeout, maxOutputChars,
            environment, cancellationToken);
        return new BackendResult(outcome.ExitCode, outcome.StandardOutput, string.IsNullOrEmpty(outcome.StandardError) ? null : outcome.StandardError,
            outcome.ExitCode == 0, [], 0, null);
    }
}
