using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Cli.Mcp;
using AiStack.Cli.Stack;
using AiStack.Cli.Tasks;
using AiStack.Clients;
using AiStack.Contracts;
using AiStack.Contracts.Health;
using AiStack.Contracts.Tasks;
using AiStack.Llama.Gguf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace AiStack.Cli;

/// <summary>The <c>aistack</c> command tree. Exit codes: 0 success or completed, 1 failed, 2 the stack refused or could not be reached, 3 stopped, 4 rejected, 5 error.</summary>
public static class CliCommands
{
    public const int StackProblem = 2;

    private static readonly JsonSerializerOptions Indented = new(ContractJson.Options) { WriteIndented = true };

    public static RootCommand Build(Func<StackConnection>? connect = null, IAnsiConsole? console = null)
    {
        connect ??= () => StackConnection.Discover();
        // Piped output (scripts, CI, tests) gets plain text without escape sequences.
        console ??= Console.IsOutputRedirected
            ? AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No })
            : AnsiConsole.Console;
        var root = new RootCommand("aistack: the AiStack command line (Ralph tasks, health, settings, MCP server).");
        root.Subcommands.Add(TasksCommand(connect, console));
        root.Subcommands.Add(HealthCommand(connect, console));
        root.Subcommands.Add(SettingsCommand(connect, console));
        root.Subcommands.Add(ModelCommand(console));
        root.Subcommands.Add(McpCommand(connect));
        return root;
    }

    private static Command TasksCommand(Func<StackConnection> connect, IAnsiConsole console)
    {
        var tasks = new Command("tasks", "Submit, follow and control Ralph tasks.");
        var file = new Argument<FileInfo?>("task-file") { Description = "task.json (Ralph's shape or the original's {description, backend, max_iterations, require_approval, context.goal})", Arity = ArgumentArity.ZeroOrOne };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "The task's prompt (instead of a file)" };
        var backend = new Option<string?>("--backend", "-b") { Description = "Backend name" };
        var maxIterations = new Option<int?>("--max-iterations", "-n") { Description = "-1 adaptive, 0 unlimited, N fixed" };
        var approval = new Option<bool>("--require-approval") { Description = "Ask for approval before each iteration from the second" };
        var workspace = new Option<string?>("--workspace", "-w") { Description = "Workspace, under Ralph's workspace root" };
        var promise = new Option<string?>("--promise") { Description = "Complete when the output holds <promise>TEXT</promise>" };
        var verify = new Option<string[]>("--verify") { Description = "Verify command and its arguments (complete when it exits 0)", AllowMultipleArgumentsPerToken = true };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls while following", DefaultValueFactory = _ => 1 };

        Command SubmitLike(string name, string description, bool follow)
        {
            var command = new Command(name, description) { file, prompt, backend, maxIterations, approval, workspace, promise, verify };
            if (follow)
            {
                command.Options.Add(interval);
            }

            command.SetAction((parse, ct) => Guard(console, async () =>
            {
                var body = BuildTask(parse.GetValue(file), parse.GetValue(prompt), parse.GetValue(backend), parse.GetValue(maxIterations),
                    parse.GetValue(approval), parse.GetValue(workspace), parse.GetValue(promise), parse.GetValue(verify));
                using var clients = new StackClients(connect());
                var submitted = await clients.Ralph.SubmitAsync(body, ct);
                if (!follow)
                {
                    Print(console, submitted);
                    return 0;
                }

                console.MarkupLineInterpolated($"submitted [bold]{submitted.TaskId}[/]: {submitted.Message}");
                return await new TaskFollower(clients.Ralph, console, TimeSpan.FromSeconds(parse.GetValue(interval))).FollowAsync(submitted.TaskId, ct);
            }));
            return command;
        }

        tasks.Subcommands.Add(SubmitLike("submit", "Queue a task and print its id.", follow: false));
        tasks.Subcommands.Add(SubmitLike("run", "Queue a task and follow it to its end (exit code = outcome).", follow: true));

        var id = new Argument<string>("task-id");
        var monitor = new Command("monitor", "Follow a task until it ends.") { id, interval };
        monitor.SetAction((parse, ct) => Guard(console, async () =>
        {
            using var clients = new StackClients(connect());
            return await new TaskFollower(clients.Ralph, console, TimeSpan.FromSeconds(parse.GetValue(interval))).FollowAsync(parse.GetValue(id)!, ct);
        }));
        tasks.Subcommands.Add(monitor);

        var status = new Option<string?>("--status") { Description = "Only tasks in this state" };
        var tag = new Option<string?>("--tag") { Description = "Only tasks with this tag" };
        var limit = new Option<int>("--limit") { Description = "How many", DefaultValueFactory = _ => 20 };
        var list = new Command("list", "List tasks, newest first.") { status, backend, tag, limit };
        list.SetAction((parse, ct) => Guard(console, async () =>
        {
            using var clients = new StackClients(connect());
            var page = await clients.Ralph.ListAsync(new TaskListQuery(parse.GetValue(status), parse.GetValue(backend), parse.GetValue(tag), parse.GetValue(limit)), ct);
            var table = new Table().AddColumns("task", "status", "iteration", "limit", "backend", "prompt");
            foreach (var task in page.Tasks)
            {
                table.AddRow(Markup.Escape(task.TaskId), Markup.Escape(task.Status), task.Iteration.ToString(CultureInfo.InvariantCulture),
                    task.MaxIterations.ToString(CultureInfo.InvariantCulture), Markup.Escape(task.Backend),
                    Markup.Escape(task.Prompt.Length > 50 ? task.Prompt[..50] + "..." : task.Prompt));
            }

            console.Write(table);
            console.MarkupLineInterpolated($"{page.Total} tasks in all");
            return 0;
        }));
        tasks.Subcommands.Add(list);

        foreach (var (name, description, call) in new (string, string, Func<RalphClient, string, CancellationToken, Task<object>>)[]
                 {
                     ("stop", "Stop a queued or running task.", async (ralph, task, ct) => await ralph.StopAsync(task, ct)),
                     ("approve", "Approve the task's next iteration.", async (ralph, task, ct) => await ralph.ApproveAsync(task, true, ct)),
                     ("reject", "Reject the task's next iteration (the task ends as rejected).", async (ralph, task, ct) => await ralph.ApproveAsync(task, false, ct)),
                 })
        {
            var command = new Command(name, description) { id };
            command.SetAction((parse, ct) => Guard(console, async () =>
            {
                using var clients = new StackClients(connect());
                Print(console, await call(clients.Ralph, parse.GetValue(id)!, ct));
                return 0;
            }));
            tasks.Subcommands.Add(command);
        }

        return tasks;
    }

    private static Command HealthCommand(Func<StackConnection> connect, IAnsiConsole console)
    {
        var health = new Command("health", "Every service's /health: green healthy, yellow degraded, red unhealthy or unreachable. Exit 0 only when all are green.");
        health.SetAction((parse, ct) => Guard(console, async () =>
        {
            using var clients = new StackClients(connect());
            var table = new Table().AddColumns("service", "status", "address", "detail");
            var allGreen = true;
            foreach (var service in clients.Services)
            {
                string state, detail;
                try
                {
                    var health = await service.HealthAsync(ct);
                    state = health.Status;
                    detail = string.Join("; ", health.Checks.Where(c => c.Status != HealthStatuses.Healthy).Select(c => $"{c.Name}: {c.Message}"));
                }
                catch (ServiceCallException e)
                {
                    state = e.StatusCode is null ? "unreachable" : $"HTTP {(int)e.StatusCode}";
                    detail = e.Message;
                }

                var colour = state == HealthStatuses.Healthy ? "green" : state == HealthStatuses.Degraded ? "yellow" : "red";
                allGreen &= colour == "green";
                table.AddRow(service.Service, $"[{colour}]{Markup.Escape(state)}[/]", service.BaseAddress?.ToString() ?? "", Markup.Escape(detail));
            }

            console.Write(table);
            return allGreen ? 0 : 1;
        }));
        return health;
    }

    private static Command SettingsCommand(Func<StackConnection> connect, IAnsiConsole console)
    {
        var settings = new Command("settings", "Ralph's live settings.");
        var get = new Command("get", "Print the current settings.");
        get.SetAction((parse, ct) => Guard(console, async () =>
        {
            using var clients = new StackClients(connect());
            console.WriteLine(JsonSerializer.Serialize(await clients.Ralph.GetSettingsAsync(ct), Indented));
            return 0;
        }));
        var pairs = new Argument<string[]>("key=value") { Description = "e.g. adaptive_enabled=false base_limits.simple=5 approval_timeout_s=60", Arity = ArgumentArity.OneOrMore };
        var set = new Command("set", "Change settings (applied to new tasks, recorded with who and when).") { pairs };
        set.SetAction((parse, ct) => Guard(console, async () =>
        {
            var update = new JsonObject { ["changed_by"] = $"aistack-cli:{Environment.UserName}" };
            foreach (var pair in parse.GetValue(pairs)!)
            {
                var split = pair.Split('=', 2);
                if (split.Length != 2)
                {
                    throw new StackException($"'{pair}' is not key=value.");
                }

                var target = update;
                var path = split[0].Split('.');
                foreach (var part in path[..^1])
                {
                    target = (JsonObject)(target[part] ??= new JsonObject());
                }

                target[path[^1]] = ParseValue(split[1]);
            }

            using var clients = new StackClients(connect());
            if (update["base_limits"] is JsonObject limits)
            {
                // The base limits are replaced as a whole: fill in the ones not named.
                var current = JsonSerializer.SerializeToNode((await clients.Ralph.GetSettingsAsync(ct)).Settings.BaseLimits, ContractJson.Options)!.AsObject();
                foreach (var (key, value) in current)
                {
                    limits[key] ??= value!.DeepClone();
                }
            }

            Print(console, await clients.Ralph.UpdateSettingsAsync(update.Deserialize<SettingsUpdate>(ContractJson.Options)!, ct));
            return 0;
        }));
        settings.Subcommands.Add(get);
        settings.Subcommands.Add(set);
        return settings;
    }

    private static Command ModelCommand(IAnsiConsole console)
    {
        var model = new Command("model", "Local model files.");
        var path = new Argument<string>("path");
        var size = new Option<string>("--size") { Description = "tiny or 30m", DefaultValueFactory = _ => "tiny" };
        var tiny = new Command("tiny", "Write a generated llama-architecture GGUF with random weights (for tests and smoke checks).") { path, size };
        tiny.SetAction(parse =>
        {
            var info = TinyModelWriter.Write(parse.GetValue(path)!, TinyModelSpec.FromName(parse.GetValue(size)!));
            console.WriteLine($"Wrote {info.Path}: {info.ParameterCount:N0} parameters, {info.FileBytes / 1048576.0:F1} MiB");
            return 0;
        });
        model.Subcommands.Add(tiny);
        return model;
    }

    private static Command McpCommand(Func<StackConnection> connect)
    {
        var mcp = new Command("mcp", "Serve the stack as MCP tools over stdio (submit_task, task_status, list_tasks, search_knowledge, add_document, query).");
        mcp.SetAction(async (parse, ct) =>
        {
            var builder = Host.CreateApplicationBuilder();
            // stdout carries the protocol: every log line goes to stderr.
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(_ => new StackClients(connect()));
            builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "aistack", Version = typeof(CliCommands).Assembly.GetName().Version?.ToString() ?? "1.0" })
                .WithStdioServerTransport()
                .WithTools<StackTools>();
            await builder.Build().RunAsync(ct);
            return 0;
        });
        return mcp;
    }

    internal static SubmitTaskRequest BuildTask(FileInfo? file, string? prompt, string? backend, int? maxIterations, bool requireApproval, string? workspace,
        string? promise, string[]? verify)
    {
        SubmitTaskRequest task;
        if (file is not null)
        {
            task = TaskFile.Read(file.FullName);
        }
        else if (!string.IsNullOrWhiteSpace(prompt))
        {
            task = new SubmitTaskRequest { Prompt = prompt };
        }
        else
        {
            throw new StackException("Give a task file or --prompt.");
        }

        task = task with
        {
            Prompt = prompt ?? task.Prompt,
            Backend = backend ?? task.Backend,
            MaxIterations = maxIterations ?? task.MaxIterations,
            RequireApproval = requireApproval ? true : task.RequireApproval,
            Workspace = workspace ?? task.Workspace,
        };
        if (promise is not null || verify is { Length: > 0 })
        {
            var completion = task.Completion ?? new CompletionRequest();
            task = task with
            {
                Completion = completion with
                {
                    Promise = promise ?? completion.Promise,
                    VerifyCommand = verify is { Length: > 0 } ? JsonSerializer.SerializeToElement(verify) : completion.VerifyCommand,
                },
            };
        }

        return task;
    }

    private static void Print(IAnsiConsole console, object answer) => console.WriteLine(JsonSerializer.Serialize(answer, answer.GetType(), ContractJson.Options));

    private static JsonNode? ParseValue(string text) =>
        text switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };

    private static async Task<int> Guard(IAnsiConsole console, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is StackException or ServiceCallException or InvalidDataException or IOException or JsonException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return StackProblem;
        }
    }
}
