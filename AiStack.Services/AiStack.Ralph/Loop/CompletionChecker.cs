using System.Text.RegularExpressions;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Commands;
using AiStack.Ralph.Tasks;

namespace AiStack.Ralph.Loop;

/// <summary>What the completion check found: the reason the task is done, or (when a verify command failed) what it said.</summary>
public sealed record CompletionCheck(string? Reason, string? VerifyFailure)
{
    public static readonly CompletionCheck NotDone = new(null, null);
}

/// <summary>Decides whether an iteration that exited 0 finished the task, by the task's rule.</summary>
public static partial class CompletionChecker
{
    public static readonly TimeSpan DefaultVerifyTimeout = TimeSpan.FromSeconds(60);
    private const int VerifyOutputChars = 4_096;

    /// <summary>
    /// The verify command was matched against the allow-list at submission; it is matched again here (the list may have changed
    /// since) and runs by the rule's full path with the task's <paramref name="environment"/>.
    /// </summary>
    public static async Task<CompletionCheck> CheckAsync(CompletionRule rule, BackendResult result, string workspace, CommandAllowList allowList,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(allowList);
        if (rule.IsEmpty)
        {
            return result.Completed ? new CompletionCheck("backend reported completion", null) : CompletionCheck.NotDone;
        }

        var reasons = new List<string>();
        if (rule.Promise is not null)
        {
            if (!PromiseKept(result.Output, rule.Promise))
            {
                return CompletionCheck.NotDone;
            }

            reasons.Add("promise matched");
        }

        if (rule.VerifyCommand is { Count: > 0 } command)
        {
            if (!allowList.TryMatch(command, out var allowed, out var problem))
            {
                return new CompletionCheck(null, $"verify command `{string.Join(' ', command)}` refused: {problem}");
            }

            var timeout = rule.VerifyTimeoutS is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultVerifyTimeout;
            var outcome = await ProcessRunner.RunAsync(allowed!.Executable, allowed.Arguments, workspace, null, timeout, VerifyOutputChars, environment, cancellationToken);
            if (outcome.ExitCode != 0)
            {
                // The next iteration is told what the check said, so the agent can fix what it reports.
                var said = (outcome.StandardOutput + "\n" + outcome.StandardError).Trim();
                return new CompletionCheck(null, $"verify command `{string.Join(' ', command)}` exited {outcome.ExitCode}" + (said.Length > 0 ? ": " + said : ""));
            }

            reasons.Add("verify command exited 0");
        }

        return new CompletionCheck(string.Join(" and ", reasons), null);
    }

    /// <summary>True when the output holds <c>&lt;promise&gt;TEXT&lt;/promise&gt;</c> with TEXT equal to the promise after whitespace normalization.</summary>
    public static bool PromiseKept(string output, string promise)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(promise);
        var expected = Normalize(promise);
        return PromiseTag().Matches(output).Any(m => string.Equals(Normalize(m.Groups[1].Value), expected, StringComparison.Ordinal));
    }

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex("<promise>(.*?)</promise>", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex PromiseTag();

    [GeneratedRegex("\\s+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Whitespace();
}
