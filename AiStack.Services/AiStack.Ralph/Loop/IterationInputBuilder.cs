using System.Globalization;
using System.Text;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Tasks;

namespace AiStack.Ralph.Loop;

/// <summary>
/// Each iteration starts with fresh context: the task, its goal, context from the KnowledgeBase, and a short summary of the previous
/// iterations with their exit codes and errors (the original fed only the last error back).
/// </summary>
public sealed class IterationInputBuilder(TaskStore store)
{
    private const int SummarizedIterations = 5;
    private const int SummaryChars = 400;

    public async Task<string> BuildAsync(TaskRecord task, int iteration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var text = new StringBuilder();
        text.Append("# Task\n").Append(task.Prompt).Append("\n\n");
        var context = task.ContextObject;
        if (context?["goal"]?.ToString() is { Length: > 0 } goal)
        {
            text.Append("# Goal\n").Append(goal).Append("\n\n");
        }

        if (context is { Count: > 0 })
        {
            text.Append("# Context\n").Append(context.ToJsonString()).Append("\n\n");
        }

        var previous = await store.LastIterationsAsync(task.Id, SummarizedIterations, cancellationToken);
        if (previous.Count > 0)
        {
            text.Append("# Previous iterations\n");
            foreach (var earlier in previous)
            {
                text.Append(CultureInfo.InvariantCulture, $"- iteration {earlier.Number}: exit code {earlier.ExitCode}");
                if (earlier.ExitBlocked != 0)
                {
                    text.Append(" (exit blocked: the work was not finished)");
                }

                if (!string.IsNullOrWhiteSpace(earlier.Error))
                {
                    text.Append("; error: ").Append(Tail(earlier.Error));
                }

                if (!string.IsNullOrWhiteSpace(earlier.Output))
                {
                    text.Append("; output ends: ").Append(Tail(earlier.Output));
                }

                text.Append('\n');
            }

            text.Append('\n');
        }

        var limit = task.MaxIterations == 0 ? "unlimited" : task.MaxIterations.ToString(CultureInfo.InvariantCulture);
        text.Append(CultureInfo.InvariantCulture, $"# Iteration\nThis is iteration {iteration} of {limit}. Exit with code 2 if the work is not finished yet.\n");
        var rule = task.CompletionRule;
        if (rule.Promise is not null)
        {
            text.Append("When it is finished, print <promise>").Append(rule.Promise).Append("</promise>.\n");
        }

        return text.ToString();
    }

    private static string Tail(string text)
    {
        var flat = text.Replace('\n', ' ').Trim();
        return flat.Length <= SummaryChars ? flat : "..." + flat[^SummaryChars..];
    }
}
