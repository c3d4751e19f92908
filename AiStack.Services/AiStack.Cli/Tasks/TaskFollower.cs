using System.Text.Json.Nodes;
using AiStack.Cli.Stack;
using Spectre.Console;

namespace AiStack.Cli.Tasks;

/// <summary>Follows a task live: each new iteration with its exit code and the last lines of its output, until a final state.</summary>
public sealed class TaskFollower(StackClient client, IAnsiConsole console, TimeSpan interval, int outputLines = 3)
{
    public static readonly string[] FinalStates = ["completed", "failed", "stopped", "rejected", "error"];

    /// <summary>Exit code for a final state: completed 0, failed 1, stopped 3, rejected 4, error 5.</summary>
    public static int ExitCodeFor(string status) => status switch
    {
        "completed" => 0,
        "failed" => 1,
        "stopped" => 3,
        "rejected" => 4,
        _ => 5,
    };

    public async Task<int> FollowAsync(string taskId, CancellationToken cancellationToken)
    {
        var shown = 0;
        string? lastStatus = null;
        var approvalShown = false;
        while (true)
        {
            var result = (JsonObject)await client.GetAsync("ralph", $"tasks/{taskId}/result?offset={shown}&limit=100", cancellationToken);
            var status = result["status"]!.GetValue<string>();
            if (status != lastStatus)
            {
                console.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] task [bold]{taskId}[/] is [yellow]{status}[/] (limit {Limit(result)})");
                lastStatus = status;
            }

            foreach (var iteration in result["results"]!.AsArray())
            {
                Show(iteration!.AsObject());
                shown++;
            }

            if (result["approval"]?.GetValue<string>() == "pending" && !approvalShown)
            {
                console.MarkupLineInterpolated($"[yellow]waiting for approval:[/] aistack tasks approve {taskId}  |  aistack tasks reject {taskId}");
                approvalShown = true;
            }
            else if (result["approval"] is null)
            {
                approvalShown = false;
            }

            if (FinalStates.Contains(status) && shown >= result["total_iterations"]!.GetValue<int>())
            {
                var reason = result["completion_reason"]?.GetValue<string>() ?? "";
                var colour = status == "completed" ? "green" : "red";
                console.MarkupLineInterpolated($"[{colour}]{status}[/] after {shown} iterations: {reason}");
                return ExitCodeFor(status);
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    private void Show(JsonObject iteration)
    {
        var exit = iteration["exit_code"]!.GetValue<int>();
        var blocked = iteration["exit_blocked"]!.GetValue<bool>() ? " [yellow](exit blocked)[/]" : "";
        var colour = exit == 0 ? "green" : exit == 2 ? "yellow" : "red";
        console.MarkupLine($"  iteration {iteration["iteration"]} exit [{colour}]{exit}[/]{blocked} in {iteration["duration_ms"]!.GetValue<double>():0} ms");
        var output = iteration["output"]?.GetValue<string>() ?? "";
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(outputLines))
        {
            console.WriteLine("    | " + line.TrimEnd('\r'));
        }

        if (iteration["error"]?.GetValue<string>() is { Length: > 0 } error)
        {
            console.WriteLine("    ! " + error.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault());
        }
    }

    private static string Limit(JsonObject task) => task["max_iterations"]!.GetValue<int>() is var limit && limit == 0 ? "unlimited" : $"{limit}";
}
