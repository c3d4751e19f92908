using System.Net;
using System.Net.Http.Json;

namespace AiStack.Tests.Ralph;

/// <summary>Workspaces stay under the root, only declared backends run, prompts are data.</summary>
public sealed class RalphSafetyTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private RalphFactory Start(string script, string promptMode = "stdin", params string[] arguments)
    {
        var folder = _folders.Create("ralph-safety");
        return new RalphFactory(settings: RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(folder, "bin"), "agent.sh", script), 30, promptMode, arguments));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/tmp")]
    [InlineData("a/../../b")]
    public async Task A_workspace_outside_the_root_is_refused(string workspace)
    {
        await using var factory = Start("exit 0");
        var response = await factory.CreateClient().PostAsJsonAsync(new Uri("/tasks", UriKind.Relative), new { prompt = "x", backend = "agent", workspace }, RalphFactory.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("outside the workspace root", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_out_of_the_root_is_refused()
    {
        await using var factory = Start("exit 0");
        var outside = _folders.Create("ralph-outside");
        File.CreateSymbolicLink(Path.Combine(factory.WorkspaceRoot, "escape"), outside);

        var response = await factory.CreateClient().PostAsJsonAsync(new Uri("/tasks", UriKind.Relative), new { prompt = "x", backend = "agent", workspace = "escape/sub" }, RalphFactory.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_backend_that_is_not_declared_is_refused()
    {
        await using var factory = Start("exit 0");
        var response = await factory.CreateClient().PostAsJsonAsync(new Uri("/tasks", UriKind.Relative), new { prompt = "x", backend = "/bin/sh" }, RalphFactory.Json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not declared", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_metacharacters_in_the_prompt_are_passed_as_data()
    {
        await using var factory = Start("printf '%s' \"$2\" > received.txt\nexit 0", "argument", "--", "{prompt}");
        var client = factory.CreateClient();
        const string prompt = "$(touch pwned1); touch pwned2 && `touch pwned3` | tee pwned4 > pwned5 'quote\" \\ *";

        var id = (await client.SubmitAsync(new { prompt, backend = "agent" })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("completed", task.Status());
        var workspace = task["workspace"]!.GetValue<string>();
        Assert.Equal(prompt, File.ReadAllText(Path.Combine(workspace, "received.txt")));
        Assert.Empty(Directory.GetFiles(workspace, "pwned*"));
    }

    [Fact]
    public async Task Llm_file_edits_outside_the_workspace_are_refused()
    {
        var workspace = _folders.Create("ralph-edits");
        var edits = AiStack.Ralph.Workspaces.FileEdits.Parse("<file path=\"ok/a.txt\">\nhello\n</file>\n<file path=\"../evil.txt\">\nx\n</file>\n<file path=\"/etc/evil\">x</file>");

        var written = AiStack.Ralph.Workspaces.FileEdits.Apply(workspace, edits, out var refused);

        Assert.Equal(["ok/a.txt"], written);
        Assert.Equal(2, refused.Count);
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(workspace, "ok", "a.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(workspace)!, "evil.txt")));
    }

    [Fact]
    public async Task Every_endpoint_but_health_needs_the_api_key()
    {
        await using var factory = Start("exit 0");
        var anonymous = factory.Server.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/tasks", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);
    }
}
