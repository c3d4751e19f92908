using System.Globalization;
using System.Text;
using AiStack.Contracts;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Backends;
using AiStack.Ralph.Tasks;
using AiStack.Ralph.Workspaces;

namespace AiStack.Ralph.Loop;

/// <summary>
/// Each iteration starts with fresh context: the task, its goal, and what the previous iterations did (exit codes, errors, what the
/// verify command said). For the <c>llm</c> backend, which cannot look around by itself, also the workspace (a listing and the
/// contents that fit), the exact file-edit format Ralph applies and how to signal completion, all within
/// <see cref="WireLimits.MaxQueryPromptChars"/> so that the Coordinator takes it whole: what does not fit is named, never dropped
/// silently.
/// </summary>
public sealed class IterationInputBuilder(TaskStore store)
{
    private const int SummarizedIterations = 5;
    private const int SummaryChars = 400;
    private const int LastIterationChars = 2_000;

    public async Task<string> BuildAsync(TaskRecord task, int iteration, IAgentBackend backend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(backend);
        var previous = await store.LastIterationsAsync(task.Id, SummarizedIterations, cancellationToken);
        var llm = backend.Kind == LlmBackend.BuiltInName;
        var head = new StringBuilder();
        AppendTask(head, task);
        AppendPrevious(head, previous, llm);
        var tail = new StringBuilder();
        AppendInstructions(tail, task, iteration, llm);
        if (!llm)
        {
            return head.Append(tail).ToString();
        }

        var workspace = new StringBuilder();
        AppendWorkspace(workspace, task, previous, WireLimits.MaxQueryPromptChars - head.Length - tail.Length);
        return head.Append(workspace).Append(tail).ToString();
    }

    private static void AppendTask(StringBuilder text, TaskRecord task)
    {
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
    }

    private static void AppendPrevious(StringBuilder text, IReadOnlyList<IterationRecord> previous, bool detailedLast)
    {
        if (previous.Count == 0)
        {
            return;
        }

        text.Append("# Previous iterations\n");
        foreach (var earlier in previous)
        {
            var chars = detailedLast && earlier == previous[^1] ? LastIterationChars : SummaryChars;
            text.Append(CultureInfo.InvariantCulture, $"- iteration {earlier.Number}: exit code {earlier.ExitCode}");
            if (earlier.ExitBlocked != 0)
            {
                text.Append(" (exit blocked: the work was not finished)");
            }

            if (earlier.FilesChangedList.Count > 0)
            {
                text.Append("; files changed: ").Append(string.Join(", ", earlier.FilesChangedList.Take(20)));
            }

            if (!string.IsNullOrWhiteSpace(earlier.Error))
            {
                text.Append("; error: ").Append(Tail(earlier.Error, chars));
            }

            if (!string.IsNullOrWhiteSpace(earlier.Output))
            {
                text.Append("; output ends: ").Append(Tail(earlier.Output, chars));
            }

            text.Append('\n');
        }

        text.Append('\n');
    }

    /// <summary>The listing, then file contents by relevance (named in the prompt, changed last time, small) while the budget lasts.</summary>
    private static void AppendWorkspace(StringBuilder text, TaskRecord task, IReadOnlyList<IterationRecord> previous, int budget)
    {
        var files = WorkspaceFiles.List(task.Workspace);
        text.Append("# Workspace\n");
        if (files.Count == 0)
        {
            text.Append("The workspace is empty.\n\n");
            return;
        }

        text.Append(CultureInfo.InvariantCulture, $"Files (path, bytes){(files.Count >= WorkspaceFiles.MaxListed ? $", the first {WorkspaceFiles.MaxListed}" : "")}:\n");
        foreach (var file in files)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {file.Path} ({file.Size})\n");
        }

        text.Append('\n');
        var changed = previous.Count > 0 ? previous[^1].FilesChangedList.ToHashSet(StringComparer.Ordinal) : [];
        var ordered = files
            .OrderByDescending(f => task.Prompt.Contains(f.Path, StringComparison.Ordinal))
            .ThenByDescending(f => changed.Contains(f.Path))
            .ThenBy(f => f.Size)
            .ThenBy(f => f.Path, StringComparer.Ordinal);
        var left = budget - text.Length;
        var notShown = new List<string>();
        foreach (var file in ordered)
        {
            var content = WorkspaceFiles.ReadText(task.Workspace, file);
            var block = content is null ? null : $"## {file.Path}\n```\n{content}{(content.EndsWith('\n') ? "" : "\n")}```\n\n";
            if (block is not null && block.Length <= left - NotShownReserve(notShown.Count + 1))
            {
                text.Append(block);
                left -= block.Length;
            }
            else
            {
                notShown.Add(content is null ? $"{file.Path} (not text, or over {WorkspaceFiles.MaxShownBytes} bytes)" : $"{file.Path} (over the prompt's size limit)");
            }
        }

        if (notShown.Count > 0)
        {
            text.Append("Contents not shown: ").Append(string.Join("; ", notShown)).Append(".\n\n");
        }
    }

    private static int NotShownReserve(int count) => 64 + (count * 120);

    private static void AppendInstructions(StringBuilder text, TaskRecord task, int iteration, bool llm)
    {
        var limit = task.MaxIterations == 0 ? "unlimited" : task.MaxIterations.ToString(CultureInfo.InvariantCulture);
        var rule = task.CompletionRule;
        text.Append(CultureInfo.InvariantCulture, $"# Iteration\nThis is iteration {iteration} of {limit}.");
        if (llm)
        {
            text.Append("\n\n# How to answer\n").Append(FileEdits.FormatDescription).Append('\n');
            if (rule.Promise is not null)
            {
                text.Append("When the task is finished, write <promise>").Append(rule.Promise).Append("</promise>.\n");
            }

            if (rule.VerifyCommand is { Count: > 0 } verify)
            {
                text.Append("After your edits Ralph runs `").Append(string.Join(' ', verify))
                    .Append("` in the workspace; the task is finished only when it exits 0 (its output is shown next time when it fails).\n");
            }

            if (rule.IsEmpty)
            {
                text.Append("When the task is finished, write ").Append(LlmBackend.CompleteMarker).Append(".\n");
            }

            return;
        }

        text.Append(" Exit with code 2 if the work is not finished yet.\n");
        if (rule.Promise is not null)
        {
            text.Append("When it is finished, print <promise>").Append(rule.Promise).Append("</promise>.\n");
        }
    }

    private static string Tail(string text, int chars)
    {
        var flat = text.Replace('\n', ' ').Trim();
        return flat.Length <= chars ? flat : "..." + flat[^chars..];
    }
}
