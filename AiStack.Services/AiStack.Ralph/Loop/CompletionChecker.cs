using System.Text.RegularExpressions;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Tasks;

namespace AiStack.Ralph.Loop;

/// <summary>Decides whether an iteration that exited 0 finished the task, by the task's rule.</summary>
public static partial class CompletionChecker
{
    public static readonly TimeSpan DefaultVerifyTimeout = TimeSpan.FromSeconds(60);

    /// <returns>The completion reason, or null when the task is not done.</returns>
    public static async Task<string?> CheckAsync(CompletionRule rule, BackendResult result, string workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(result);
        if (rule.IsEmpty)
        {
            return result.Completed ? "backend reported completion" : null;
        }

        var reasons = new List<string>();
        if (rule.Promise is not null)
        {
            if (!PromiseKept(result.Output, rule.Promise))
            {
                return null;
            }

            reasons.Add("promise matched");
        }

        if (rule.VerifyCommand is { Count: > 0 } command)
        {
            var timeout = rule.VerifyTimeoutS is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultVerifyTimeout;
            var outcome = await ProcessRunner.RunAsync(command[0], command.Skip(1), workspace, null, timeout, 16_384, null, cancellationToken);
            if (outcome.ExitCode != 0)
            {
                return null;
            }

            reasons.Add("verify command exited 0");
        }

        return string.Join(" and ", reasons);
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
