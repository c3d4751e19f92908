using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Ralph;

namespace AiStack.Tests.Ralph;

/// <summary>
/// Verify commands come from the operator's allow-list (program and argument patterns), command backends keep the prompt out of
/// their options, and bad command settings stop the start with the key named.
/// </summary>
public sealed class RalphCommandTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private Dictionary<string, string?> AgentSettings(string script = "exit 0", string promptMode = "stdin", params string[] arguments)
    {
        var folder = _folders.Create("ralph-commands");
        return RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", script), 30, promptMode, arguments);
    }

    private static async Task<HttpResponseMessage> SubmitVerifyAsync(HttpClient client, object verifyCommand) =>
        await client.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative),
            new { prompt = "x", backend = "agent", completion = new { verify_command = verifyCommand } }, RalphFactory.Json);

    [Theory]
    [InlineData("rm", "-rf", "/")]
    [InlineData("sh", "-c", "true")]
    [InlineData("env", "rm", "x")]
    [InlineData("test", "-f", "/etc/passwd")]
    [InlineData("test", "-f", "../outside.txt")]
    [InlineData("test", "-f", "a/../../outside.txt")]
    [InlineData("grep", "-q", "x", "/etc/shadow")]
    [InlineData("grep", "-e", "x", "a.txt")]
    [InlineData("dotnet", "run")]
    [InlineData("dotnet", "test", "--logger", "x")]
    [InlineData("./check.sh")]
    public async Task A_verify_command_outside_the_allow_list_is_refused_naming_the_field_and_the_rule(string program, params string[] arguments)
    {
        await using var factory = new RalphFactory(settings: AgentSettings());
        var command = new[] { program }.Concat(arguments).ToArray();

        var response = await SubmitVerifyAsync(factory.CreateClient(), command);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var message = problem["errors"]!["completion.verify_command"]![0]!.GetValue<string>();
        Assert.Contains("Ralph:Commands:Allowed", message, StringComparison.Ordinal);
        Assert.Matches("'[a-z-]+': [a-z]+", message);
    }

    [Theory]
    [InlineData("test -f done.txt")]
    [InlineData("/usr/bin/test -d src")]
    [InlineData("grep -qF hello, greeting.py")]
    public async Task A_verify_command_that_a_default_rule_matches_is_accepted(string command)
    {
        await using var factory = new RalphFactory(settings: AgentSettings());
        var response = await SubmitVerifyAsync(factory.CreateClient(), command.Split(' '));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task An_operator_rule_allows_its_program_only_with_arguments_that_match_its_patterns()
    {
        var settings = AgentSettings();
        var check = RalphFactory.WriteScript(_folders.Create("ralph-check"), "check.sh", "exit 0");
        settings["Ralph:Commands:IncludeDefaults"] = "false";
        settings["Ralph:Commands:Allowed:check:Program"] = check;
        settings["Ralph:Commands:Allowed:check:Arguments:0"] = "--level=[0-9]";
        settings["Ralph:Commands:Allowed:check:MoreArguments"] = "[a-z]+\\.txt";
        await using var factory = new RalphFactory(settings: settings);
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await SubmitVerifyAsync(client, new[] { check, "--level=3" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitVerifyAsync(client, new[] { check, "--level=3", "a.txt", "b.txt" })).StatusCode);
        var badArgument = await SubmitVerifyAsync(client, new[] { check, "--level=x" });
        var extraOption = await SubmitVerifyAsync(client, new[] { check, "--level=3", "--exec=rm" });
        var noDefaults = await SubmitVerifyAsync(client, "test -f done.txt");

        Assert.Equal(HttpStatusCode.BadRequest, badArgument.StatusCode);
        Assert.Contains("match no rule", await badArgument.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("'check'", await badArgument.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, extraOption.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noDefaults.StatusCode);
    }

    [Fact]
    public async Task A_verify_command_runs_and_decides_completion()
    {
        await using var factory = new RalphFactory(settings: AgentSettings("n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\nif [ $n -ge 2 ]; then touch done.txt; fi\nexit 0"));
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "make done.txt", backend = "agent", max_iterations = 4, completion = new { verify_command = "test -f done.txt" } })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.Equal(2, task["iteration"]!.GetValue<int>());
        var first = (await client.IterationsAsync(id))[0]!;
        Assert.Contains("verify command `test -f done.txt` exited 1", first["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-rf")]
    [InlineData("--help me")]
    public async Task A_prompt_that_starts_with_a_dash_is_an_operand_never_an_option(string prompt)
    {
        // touch is a real option parser: without the "--" it would print its version or refuse, not create the file.
        await using var factory = new RalphFactory(settings: RalphFactory.CommandBackend("agent", "touch", 30, "argument", "--", "{prompt}"));
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt, backend = "agent", max_iterations = 1 })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        Assert.True(File.Exists(Path.Combine(task["workspace"]!.GetValue<string>(), prompt)));
    }

    [Fact]
    public async Task The_input_file_placeholder_hands_the_input_over_as_a_file_outside_the_workspace()
    {
        await using var factory = new RalphFactory(settings: RalphFactory.CommandBackend("agent", "cp", 30, "argument", "--", "{input_file}", "received.txt"));
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "-n --prompt-as-file", backend = "agent", max_iterations = 1 })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        var workspace = task["workspace"]!.GetValue<string>();
        Assert.Contains("-n --prompt-as-file", File.ReadAllText(Path.Combine(workspace, "received.txt")), StringComparison.Ordinal);
        Assert.Equal(["received.txt"], Directory.GetFiles(workspace).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("Ralph:Backends:agent:Arguments:0", "{prompt}", "Ralph:Backends:agent:Arguments:0 starts with {prompt} before any '--'")]
    [InlineData("Ralph:Backends:agent:Arguments:0", "{input}", "Ralph:Backends:agent:Arguments:0 starts with {input} before any '--'")]
    [InlineData("Ralph:Backends:agent:Executable", "no-such-agent-program", "Ralph:Backends:agent:Executable 'no-such-agent-program' is neither")]
    [InlineData("Ralph:Commands:Allowed:bad:Program", "/nonexistent/check", "Ralph:Commands:Allowed:bad:Program '/nonexistent/check' is neither")]
    [InlineData("Ralph:Commands:Allowed:test-file:Arguments:0", "([", "Ralph:Commands:Allowed:test-file:Arguments:0 is not a valid regular expression")]
    [InlineData("Ralph:Commands:PassEnvironment:0", "OPENAI_API_KEY", "Ralph:Commands:PassEnvironment:0 'OPENAI_API_KEY' looks like a secret")]
    [InlineData("Ralph:Commands:PassEnvironment:0", "ConnectionStrings__postgres", "Ralph:Commands:PassEnvironment:0 'ConnectionStrings__postgres' looks like a secret")]
    public async Task Bad_command_settings_stop_the_start_with_the_key_named(string key, string value, string expected)
    {
        var settings = AgentSettings("exit 0", "argument");
        settings[key] = value;
        if (key.StartsWith("Ralph:Commands:Allowed:test-file", StringComparison.Ordinal))
        {
            settings["Ralph:Commands:Allowed:test-file:Program"] = "test";
        }

        // Started as a plain WebApplication, as Program.cs does: a start that fails inside WebApplicationFactory may surface as a
        // disposed host instead of the validation error.
        var folder = _folders.Create("ralph-bad-settings");
        settings["AISTACK_HOME"] = folder;
        settings["Storage:SqlitePath"] = Path.Combine(folder, "ralph.db");
        settings["Ralph:WorkspaceRoot"] = Path.Combine(folder, "workspaces");
        settings["services:knowledgebase:http:0"] = "http://127.0.0.1:9";
        settings["services:coordinator:http:0"] = "http://127.0.0.1:9";
        var app = ServiceDefaults.TestServiceApp.Build(builder => builder.AddRalph(), null, settings, kestrel: false, out _);
        await using (app)
        {
            var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());
            Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        }
    }
}
