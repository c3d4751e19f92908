using AiStack.Clients;
using AiStack.Contracts.Tasks;
using Spectre.Console;

namespace AiStack.Cli.Tasks;

/// <summary>Follows a task live: each new iteration with its exit code and the last lines of its output, until a final state.</summary>
public sealed class TaskFollower(RalphClient ralph, IAnsiConsole console, TimeSpan interval, int outputLines = 3)
{
    /// <summary>Exit code for a final state: completed 0, failed 1, stopped 3, rejected 4, error 5.</summary>
    public static int ExitCodeFor(string status) => status switch
    {
        TaskStatuses.Completed => 0,
        TaskStatuses.Failed => 1,
        TaskStatuses.Stopped => 3,
        TaskStatuses.Rejected => 4,
        _ => 5,
    };

    public async Task<int> FollowAsync(string taskId, CancellationToken cancellationToken)
    {
        var shown = 0;
        string? lastStatus = null;
        var approvalShown = false;
        while (true)
        {
            var result = await ralph.ResultAsync(taskId, shown, 100, cancellationToken);
            if (result.Status != lastStatus)
            {
                console.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] task [bold]{taskId}[/] is [yellow]{result.Status}[/] (limit {Limit(result)})");
                lastStatus = result.Status;
            }

            foreach (var iteration in result.Results)
            {
                Show(iteration);
                shown++;
            }

            if (result.Approval == ApprovalStates.Pending && !approvalShown)
            {
                console.MarkupLineInterpolated($"[yellow]waiting for approval:[/] aistack tasks approve {taskId}  |  aistack tasks reject {taskId}");
                approvalShown = true;
            }
            else if (result.Approval is null)
            {
                approvalShown = false;
            }

            if (TaskStatuses.IsFinal(result.Status) && shown >= result.TotalIterations)
            {
                var colour = result.Status == TaskStatuses.Completed ? "green" : "red";
                console.MarkupLineInterpolated($"[{colour}]{result.Status}[/] after {shown} iterations: {result.CompletionReason ?? ""}");
                return ExitCodeFor(result.Status);
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    private void Show(IterationView iteration)
    {
        var blocked = iteration.ExitBlocked ? " [yellow](exit blocked)[/]" : "";
        var colour = iteration.ExitCode == 0 ? "green" : iteration.ExitCode == 2 ? "yellow" : "red";
        console.MarkupLine($"  iteration {iteration.Iteration} exit [{colour}]{iteration.ExitCode}[/]{blocked} in {iteration.DurationMs:0} ms");
        foreach (var line in iteration.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(outputLines))
        {
            console.WriteLine("    | " + line.TrimEnd('\r'));
        }

        if (iteration.Error is { Length: > 0 } error)
        {
            console.WriteLine("    ! " + error.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault());
        }
    }

    private static string Limit(TaskView task) => task.MaxIterations == 0 ? "unlimited" : $"{task.MaxIterations}";
}
