using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.Ralph.Workspaces;

namespace AiStack.Tests.Ralph;

/// <summary>
/// A task works in a sub-folder of the root that is its own, reached without links, checked again around every iteration; edits
/// never go through a link or into <c>.git/</c>.
/// </summary>
public sealed class RalphWorkspaceTests : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    private const string Counter = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\n";

    private RalphFactory Start(string script = "exit 0") =>
        new(settings: RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(_folders.Create("ralph-ws-bin"), "agent.sh", script)));

    private static async Task<(HttpStatusCode Status, string Message)> SubmitAsync(HttpClient client, string? workspace, bool gated = false)
    {
        var response = await client.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative),
            new { prompt = "x", backend = "agent", workspace, require_approval = gated }, RalphFactory.Json);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (response.StatusCode, body["errors"]?["workspace"]?[0]?.GetValue<string>() ?? body["task_id"]?.GetValue<string>() ?? "");
    }

    [Fact]
    public async Task The_workspace_root_itself_is_refused()
    {
        await using var factory = Start();
        var client = factory.CreateClient();

        foreach (var root in new[] { ".", factory.WorkspaceRoot, "sub/..", factory.WorkspaceRoot + "/" })
        {
            var (status, message) = await SubmitAsync(client, root);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("the workspace root itself", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_folder_of_another_task_is_refused_as_is_one_inside_or_around_it()
    {
        await using var factory = Start();
        await RefusesTheFoldersOfOtherTasksAsync(factory);
    }

    /// <summary>Shared with the PostgreSQL run: the query differs by dialect (LIKE, its escapes, case).</summary>
    internal static async Task RefusesTheFoldersOfOtherTasksAsync(RalphFactory factory)
    {
        var client = factory.CreateClient();
        var (status, first) = await SubmitAsync(client, "shared/inner", gated: true);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(client, "axb/inner", gated: true)).Status);

        foreach (var workspace in new[] { "shared/inner", "shared/inner/deeper", "shared", Path.Combine(factory.WorkspaceRoot, "shared", "inner") })
        {
            var (refused, message) = await SubmitAsync(client, workspace);
            Assert.Equal(HttpStatusCode.BadRequest, refused);
            Assert.Contains($"workspace of task {first}", message, StringComparison.Ordinal);
        }

        // "_" and "%" are LIKE wildcards: a_b must not be taken for axb.
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(client, "a_b")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(client, "a%")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(client, "shared/sibling")).Status);
    }

    [Fact]
    public async Task A_symbolic_link_below_the_root_is_refused_even_when_it_points_inside()
    {
        await using var factory = Start();
        Directory.CreateDirectory(Path.Combine(factory.WorkspaceRoot, "real"));
        Directory.CreateSymbolicLink(Path.Combine(factory.WorkspaceRoot, "alias"), Path.Combine(factory.WorkspaceRoot, "real"));
        var client = factory.CreateClient();

        foreach (var workspace in new[] { "alias", "alias/sub" })
        {
            var (status, message) = await SubmitAsync(client, workspace);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("symbolic link", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_workspace_that_its_agent_swaps_for_a_link_ends_the_task_before_anything_runs_in_the_link()
    {
        var outside = _folders.Create("ralph-ws-outside");
        // Run 1 moves its own folder away and leaves a link to the outside in its place.
        await using var factory = Start(Counter + $"cd ..\nmv \"$RALPH_WORKSPACE\" \"$RALPH_WORKSPACE.moved\"\nln -s '{outside}' \"$RALPH_WORKSPACE\"\nexit 0");
        var client = factory.CreateClient();

        var id = (await client.SubmitAsync(new { prompt = "x", backend = "agent", max_iterations = 3, completion = new { verify_command = "test -f runs" } })).Id();
        var task = await client.WaitForAsync(id);

        Assert.Equal("error", task.Status());
        Assert.Equal("workspace refused", task["completion_reason"]!.GetValue<string>());
        Assert.Contains("symbolic link", task["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var iterations = await client.IterationsAsync(id);
        Assert.Single(iterations);
        Assert.Contains("symbolic link", iterations[0]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_workspace_swapped_for_a_link_between_iterations_is_caught_before_the_next_one()
    {
        var outside = _folders.Create("ralph-ws-outside");
        await using var factory = Start(Counter + "exit 2");
        var client = factory.CreateClient();
        var id = (await client.SubmitAsync(new { prompt = "x", backend = "agent", max_iterations = 5, require_approval = true })).Id();
        await client.WaitForAsync(id, t => t["approval"]?.GetValue<string>() == "pending");
        await client.PostAsync(new Uri($"/tasks/{id}/approve?approved=true", UriKind.Relative), null);
        var waiting = await client.WaitForAsync(id, t => t["iteration"]!.GetValue<int>() == 1 && t["approval"]?.GetValue<string>() == "pending");

        var workspace = waiting["workspace"]!.GetValue<string>();
        Directory.Move(workspace, workspace + ".moved");
        Directory.CreateSymbolicLink(workspace, outside);
        await client.PostAsync(new Uri($"/tasks/{id}/approve?approved=true", UriKind.Relative), null);
        var task = await client.WaitForAsync(id);

        Assert.Equal("error", task.Status());
        Assert.Equal(1, task["iteration"]!.GetValue<int>());
        Assert.Contains($"passes through the symbolic link {workspace}", task["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public void Edits_through_a_link_inside_the_workspace_or_into_dot_git_are_refused()
    {
        var workspace = _folders.Create("ralph-edits");
        Directory.CreateDirectory(Path.Combine(workspace, "src"));
        Directory.CreateDirectory(Path.Combine(workspace, ".git"));
        Directory.CreateSymbolicLink(Path.Combine(workspace, "alias"), Path.Combine(workspace, "src"));
        Directory.CreateSymbolicLink(Path.Combine(workspace, "hooks"), Path.Combine(workspace, ".git"));
        File.WriteAllText(Path.Combine(workspace, "src", "real.txt"), "real\n");
        File.CreateSymbolicLink(Path.Combine(workspace, "file-link.txt"), Path.Combine(workspace, "src", "real.txt"));
        var edits = FileEdits.Parse(string.Concat(new[]
        {
            "src/ok.txt", "alias/a.txt", "hooks/config", "file-link.txt", ".git/config", "sub/.GIT/hooks/pre-commit", ".git", "src/../.git/hooks/post-commit",
        }.Select(p => $"<file path=\"{p}\">\nx\n</file>\n")));

        var written = FileEdits.Apply(workspace, edits, out var refused);

        Assert.Equal(["src/ok.txt"], written);
        Assert.Equal(
        [
            "alias/a.txt: through a symbolic link", "hooks/config: through a symbolic link", "file-link.txt: through a symbolic link",
            ".git/config: inside .git/", "sub/.GIT/hooks/pre-commit: inside .git/", ".git: inside .git/", "src/../.git/hooks/post-commit: inside .git/",
        ], refused);
        Assert.Equal("real\n", File.ReadAllText(Path.Combine(workspace, "src", "real.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(workspace, ".git")));
    }
}

[Collection(Infrastructure.ServersCollection.Name)]
public sealed class RalphWorkspacePostgresTests(Infrastructure.PostgresFixture postgres) : IDisposable
{
    private readonly TestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task A_folder_of_another_task_is_refused_on_postgres_too()
    {
        var connection = await postgres.CreateDatabaseAsync("ralph_workspaces");
        var script = RalphFactory.WriteScript(_folders.Create("ralph-ws-bin"), "agent.sh", "exit 0");
        await using var factory = new RalphFactory(postgres: connection, settings: RalphFactory.CommandBackend("agent", script));
        await RalphWorkspaceTests.RefusesTheFoldersOfOtherTasksAsync(factory);
    }
}
