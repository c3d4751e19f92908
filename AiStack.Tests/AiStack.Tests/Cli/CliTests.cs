using System.Diagnostics;
using System.Text.Json.Nodes;
using AiStack.Cli;
using AiStack.Cli.Stack;
using AiStack.Cli.Tasks;
using AiStack.Tests.Ralph;
using ModelContextProtocol.Client;

namespace AiStack.Tests.Cli;

public sealed class CliTaskFileTests
{
    [Fact]
    public void The_original_task_file_shape_becomes_a_ralph_task()
    {
        var task = TaskFile.Normalize(JsonNode.Parse("""
            {"description": "Add tests", "backend": "aider", "max_iterations": 10, "require_approval": true, "context": {"goal": "coverage"}}
            """)!.AsObject());

        Assert.Equal("Add tests", task.Prompt);
        Assert.Equal("aider", task.Backend);
        Assert.Equal(10, task.MaxIterations);
        Assert.True(task.RequireApproval);
        Assert.Equal("coverage", task.Context!["goal"]!.GetValue<string>());
    }

    [Fact]
    public void Services_and_the_api_key_are_found_like_the_apphost_sets_them()
    {
        var folder = Infrastructure.TestDirectories.Create("cli-discovery");
        Directory.CreateDirectory(Path.Combine(folder, ".aistack"));
        File.WriteAllText(Path.Combine(folder, ".aistack", "api-key"), "file-key\n");
        var nested = Directory.CreateDirectory(Path.Combine(folder, "a", "b")).FullName;
        var environment = new Dictionary<string, string> { ["services__ralph__http__0"] = "http://127.0.0.1:1234" };

        var connection = StackConnection.Discover(name => environment.GetValueOrDefault(name), nested);

        Assert.Equal("file-key", connection.ApiKey);
        Assert.Equal(new Uri("http://127.0.0.1:1234/"), connection["ralph"]);
        Assert.Equal(new Uri("http://127.0.0.1:8091/"), connection["knowledgebase"]);
        Assert.Equal("env-key", StackConnection.Discover(name => name == "AISTACK_API_KEY" ? "env-key" : null, nested).ApiKey);
    }
}

/// <summary>The real <c>aistack</c> process against the stack started by the AppHost.</summary>
[Collection(RalphStackCollection.Name)]
public sealed class CliStackTests(RalphStackFixture stack)
{
    private static string CliPath => Path.Combine(Path.GetDirectoryName(typeof(CliCommands).Assembly.Location)!, "aistack.dll");

    private Dictionary<string, string?> Environment => new()
    {
        ["services__ralph__http__0"] = $"http://127.0.0.1:{stack.Host.Ports["ralph"]}",
        ["services__knowledgebase__http__0"] = $"http://127.0.0.1:{stack.Host.Ports["knowledgebase"]}",
        ["services__coordinator__http__0"] = $"http://127.0.0.1:{stack.Host.Ports["coordinator"]}",
        ["AISTACK_API_KEY"] = stack.Host.ApiKey,
    };

    [Fact]
    public async Task Tasks_run_follows_the_task_to_completion_and_exits_0()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { CliPath, "tasks", "run", "--prompt", "do the work", "--backend", "quick", "--max-iterations", "5", "--interval", "0.1" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["COLUMNS"] = "200";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await errors;

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}:\n{text}");
        Assert.Contains("iteration 1 exit 2 (exit blocked)", text, StringComparison.Ordinal);
        Assert.Contains("iteration 2 exit 0", text, StringComparison.Ordinal);
        Assert.Contains("| line two of run 2", text, StringComparison.Ordinal);
        Assert.Contains("completed after 2 iterations", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mcp_server_lists_its_tools_and_submits_a_task_over_stdio()
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "aistack",
            Command = "dotnet",
            Arguments = [CliPath, "mcp"],
            EnvironmentVariables = Environment,
        });
        await using var client = await McpClient.CreateAsync(transport);

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("submit_task", new Dictionary<string, object?> { ["prompt"] = "from an agent", ["backend"] = "quick", ["max_iterations"] = 5 });

        Assert.Equal(["add_document", "list_tasks", "query", "search_knowledge", "submit_task", "task_status"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.NotEqual(true, result.IsError);
        var text = Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(result.Content[0]).Text;
        var id = JsonNode.Parse(text)!["task_id"]!.GetValue<string>();
        Assert.Equal("completed", (await stack.Ralph.WaitForAsync(id, seconds: 30)).Status());
    }

    private async Task<(int ExitCode, string Output)> InvokeAsync(params string[] args)
    {
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
        });
        var connection = StackConnection.Discover(name => Environment.GetValueOrDefault(name));
        var code = await CliCommands.Build(() => connection, console).Parse(args).InvokeAsync();
        return (code, writer.ToString());
    }

    [Fact]
    public async Task Settings_set_changes_a_nested_value_and_records_the_cli_as_author()
    {
        var (code, _) = await InvokeAsync("settings", "set", "base_limits.complex=30", "approval_timeout_s=120");
        var (_, output) = await InvokeAsync("settings", "get");
        var settings = JsonNode.Parse(output)!;

        Assert.Equal(0, code);
        Assert.Equal(30, settings["settings"]!["base_limits"]!["complex"]!.GetValue<int>());
        Assert.Equal(10, settings["settings"]!["base_limits"]!["moderate"]!.GetValue<int>());
        Assert.Equal(120, settings["settings"]!["approval_timeout_s"]!.GetValue<double>());
        Assert.StartsWith("aistack-cli:", settings["updated_by"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_lists_every_service_with_its_state()
    {
        var (_, output) = await InvokeAsync("health");

        foreach (var service in new[] { "knowledgebase", "coordinator", "ralph" })
        {
            Assert.Contains(service, output, StringComparison.Ordinal);
        }

        Assert.Contains("healthy", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_submission_exits_2_with_the_services_message()
    {
        var (code, output) = await InvokeAsync("tasks", "submit", "--prompt", "x", "--backend", "not-declared");

        Assert.Equal(2, code);
        Assert.Contains("not declared", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tasks_run_exits_1_when_the_task_fails()
    {
        var (code, output) = await InvokeAsync("tasks", "run", "--prompt", "one try only", "--backend", "quick", "--max-iterations", "1", "--interval", "0.05");

        Assert.Equal(1, code);
        Assert.Contains("failed after 1 iterations: iteration limit of 1", output, StringComparison.Ordinal);
    }
}
