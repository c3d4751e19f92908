using System.Collections.Concurrent;
using System.Globalization;
using AiStack.AppHost.Infrastructure;
using AiStack.Clients;
using AiStack.Contracts;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Workspaces;
using AiStack.Tests.Coordinator;
using AiStack.Tests.KnowledgeBase;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Ralph;

/// <summary>
/// The <c>llm</c> backend doing agent work end to end over real HTTP: Ralph -> a real Coordinator -> a real KnowledgeBase (every request
/// it receives counted) and, as the Coordinator's OpenAI-compatible remote model, a scripted chat client standing in for a model.
/// </summary>
public sealed class RalphAgentLoopTests : IAsyncLifetime
{
    private const string Greeting = "src/greeting.py";
    private readonly ConcurrentQueue<(string Path, int Status)> _knowledgeBaseRequests = new();
    private KnowledgeBaseFactory _knowledgeBaseFactory = null!;
    private WebApplicationFactory<AiStack.KnowledgeBase.KnowledgeBaseEntryPoint> _knowledgeBase = null!;
    private Uri _knowledgeBaseAddress = null!;

    public async Task InitializeAsync()
    {
        _knowledgeBaseFactory = new KnowledgeBaseFactory(settings: new Dictionary<string, string?> { ["Security:ApiKey"] = CoordinatorFactory.ApiKey });
        var port = LocalServerProcess.FreeTcpPort();
        _knowledgeBase = _knowledgeBaseFactory.WithWebHostBuilder(b => b
            .UseSetting("urls", $"http://127.0.0.1:{port}")
            .ConfigureTestServices(s => s.AddSingleton<IStartupFilter>(new RequestRecorder(_knowledgeBaseRequests))));
        _knowledgeBase.UseKestrel(port);
        _knowledgeBase.StartServer();
        _knowledgeBaseAddress = new Uri($"http://127.0.0.1:{port}/");
        using var http = StackHttp.Create(_knowledgeBaseAddress, CoordinatorFactory.ApiKey);
        await new KnowledgeBaseClient(http).AddDocumentAsync(new AddDocumentRequest
        {
            Project = "agent", Title = "Greetings", Source = "practices/greetings", Collection = "best-practices",
            Content = "A greeting script prints exactly 'hello, world' followed by a newline.",
        });
    }

    public async Task DisposeAsync()
    {
        await _knowledgeBase.DisposeAsync();
        await _knowledgeBaseFactory.DisposeAsync();
    }

    [Fact]
    public async Task The_llm_backend_edits_the_workspace_from_the_model_answers_until_the_task_is_verifiably_done()
    {
        var script = new ScriptedChatClient(
            // 1: a wrong greeting, and two edits that must be refused.
            _ => $"Fixing it.\n<file path=\"{Greeting}\">\nprint(\"helo, world\")\n</file>\n<file path=\"../outside.txt\">\nescaped\n</file>\n" +
                 "<file path=\".git/config\">\n[core]\n\thooksPath = /tmp\n</file>\n",
            // 2: says it is done; the verify command disagrees.
            _ => $"<file path=\"{Greeting}\">\nprint(\"helo, world\")\n</file>\n<promise>GREETED</promise>",
            // 3: fixes what the verify command reported.
            _ => $"<file path=\"{Greeting}\">\nprint(\"hello, world\")\n</file>\nDone. <promise>GREETED</promise>");
        await using var run = await AgentRunAsync(script, new SubmitTaskRequest
        {
            Prompt = $"Make {Greeting} print exactly 'hello, world'.",
            Backend = "llm",
            MaxIterations = 5,
            IterationMaxTokens = 777,
            Completion = new CompletionRequest
            {
                Promise = "GREETED",
                VerifyCommand = System.Text.Json.JsonSerializer.SerializeToElement(new[] { "grep", "-q", "hello, world", Greeting }),
            },
        });

        var task = run.Result;
        var prompts = script.Calls.Select(c => c.Prompt).ToList();
        Assert.Equal(TaskStatuses.Completed, task.Status);
        Assert.Equal("promise matched and verify command exited 0", task.CompletionReason);
        Assert.Equal([1, 0, 0], task.Results.Select(i => i.ExitCode));
        Assert.Equal(3, prompts.Count);
        Assert.All(script.Calls, c => Assert.Equal(777, c.MaxOutputTokens));
        for (var i = 0; i < 3; i++)
        {
            // The iteration input reaches the model whole (the Coordinator only adds its context around it).
            Assert.Contains(task.Results[i].Input, prompts[i], StringComparison.Ordinal);
            Assert.Contains(FileEdits.FormatDescription, prompts[i], StringComparison.Ordinal);
            Assert.Contains("When the task is finished, write <promise>GREETED</promise>.", prompts[i], StringComparison.Ordinal);
            Assert.Contains($"- {Greeting} (", prompts[i], StringComparison.Ordinal);
            Assert.Contains("- docs/notes.md (", prompts[i], StringComparison.Ordinal);
            Assert.Contains("Notes line 99", prompts[i], StringComparison.Ordinal);
        }

        Assert.Contains("print(\"hello\")", prompts[0], StringComparison.Ordinal);
        Assert.Contains("refused edits: ../outside.txt: outside the workspace; .git/config: inside .git/", task.Results[0].Error, StringComparison.Ordinal);
        Assert.Contains("refused edits: ../outside.txt: outside the workspace; .git/config: inside .git/", prompts[1], StringComparison.Ordinal);
        Assert.Contains("print(\"helo, world\")", prompts[1], StringComparison.Ordinal);
        Assert.Contains($"verify command `grep -q hello, world {Greeting}` exited 1", prompts[2], StringComparison.Ordinal);
        Assert.Equal("print(\"hello, world\")\n", File.ReadAllText(Path.Combine(run.Workspace, Greeting)));
        Assert.False(File.Exists(Path.Combine(run.Workspace, "..", "outside.txt")));
        Assert.False(File.Exists(Path.Combine(run.Workspace, ".git", "config")));
        Assert.Equal([Greeting], task.Results[2].FilesChanged);
    }

    [Fact]
    public async Task An_answer_with_the_complete_marker_ends_a_task_without_other_rules()
    {
        var script = new ScriptedChatClient(_ => "<file path=\"NOTES.md\">\nwritten by the model\n</file>\n<complete/>");

        await using var run = await AgentRunAsync(script, new SubmitTaskRequest { Prompt = "Write NOTES.md.", Backend = "llm", MaxIterations = 3 });

        Assert.Equal(TaskStatuses.Completed, run.Result.Status);
        Assert.Equal("backend reported completion", run.Result.CompletionReason);
        Assert.Contains("When the task is finished, write <complete/>.", Assert.Single(script.Calls).Prompt, StringComparison.Ordinal);
        Assert.Equal("written by the model\n", File.ReadAllText(Path.Combine(run.Workspace, "NOTES.md")));
    }

    /// <summary>
    /// One Coordinator query and one KnowledgeBase call per iteration, every KnowledgeBase call answered (none refused for the
    /// length of the 6,000-character iteration input), and the input reaches the model whole. The Coordinator's single retrieval is
    /// its own change (branch coordinator): this test is green once that is merged.
    /// </summary>
    [Fact]
    public async Task A_long_iteration_input_is_answered_with_one_knowledgebase_call_per_iteration_and_no_refusal()
    {
        var script = new ScriptedChatClient(_ => "Not yet.", _ => "<complete/>");

        await using var run = await AgentRunAsync(script, new SubmitTaskRequest { Prompt = "Summarise docs/notes.md in two lines.", Backend = "llm", MaxIterations = 3 });

        var task = run.Result;
        Assert.Equal(TaskStatuses.Completed, task.Status);
        Assert.Equal(2, task.TotalIterations);
        Assert.All(task.Results, i => Assert.True(i.Input.Length >= 6_000, $"input of {i.Input.Length} characters"));
        Assert.Equal(2, script.Calls.Count);
        Assert.All(task.Results.Zip(script.Calls), p => Assert.Contains(p.First.Input, p.Second.Prompt, StringComparison.Ordinal));
        var calls = run.KnowledgeBaseCalls;
        Assert.True(calls.All(c => c.Status is >= 200 and < 300), "refused: " + string.Join(", ", calls.Where(c => c.Status >= 300)));
        Assert.Equal(task.TotalIterations, calls.Count);
    }

    private async Task<AgentRun> AgentRunAsync(ScriptedChatClient script, SubmitTaskRequest request)
    {
        var model = await ScriptedModelServer.StartAsync(script);
        var coordinator = new CoordinatorFactory(new Dictionary<string, string?>
        {
            ["services:knowledgebase:http:0"] = _knowledgeBaseAddress.ToString(),
            ["Remote:Endpoint"] = model.Endpoint.ToString(),
            ["Remote:Model"] = "scripted",
            ["Remote:ApiKey"] = "scripted-model-key",
            ["ResponseCache:Enabled"] = "false",
        });
        var coordinatorAddress = coordinator.StartOnPort(LocalServerProcess.FreeTcpPort());
        var ralph = new RalphFactory(settings: new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = CoordinatorFactory.ApiKey,
            ["services:coordinator:http:0"] = coordinatorAddress.ToString(),
        });
        var workspace = Path.Combine(ralph.WorkspaceRoot, "agent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(workspace, "src"));
        Directory.CreateDirectory(Path.Combine(workspace, "docs"));
        File.WriteAllText(Path.Combine(workspace, Greeting), "print(\"hello\")\n");
        // Long enough that every iteration input is over 6,000 characters (the KnowledgeBase's query limit is 4,000).
        File.WriteAllText(Path.Combine(workspace, "docs", "notes.md"),
            string.Concat(Enumerable.Range(1, 130).Select(n => string.Create(CultureInfo.InvariantCulture, $"Notes line {n}: the greeting script and its tests.\n"))));
        var http = ralph.CreateClient();
        http.DefaultRequestHeaders.Remove("X-API-Key");
        http.DefaultRequestHeaders.Add("X-API-Key", CoordinatorFactory.ApiKey);
        var client = new RalphClient(http);
        var before = _knowledgeBaseRequests.Count;
        var submitted = await client.SubmitAsync(request with { Workspace = Path.GetFileName(workspace) });
        await http.WaitForAsync(submitted.TaskId, seconds: 60);
        var result = await client.ResultAsync(submitted.TaskId);
        var calls = _knowledgeBaseRequests.Skip(before).Where(r => !r.Path.StartsWith("/health", StringComparison.Ordinal)).ToList();
        return new AgentRun(result, workspace, calls, [http, ralph, coordinator, model]);
    }

    private sealed record AgentRun(TaskResultResponse Result, string Workspace, IReadOnlyList<(string Path, int Status)> KnowledgeBaseCalls, object[] Owned)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var owned in Owned)
            {
                switch (owned)
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync();
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
        }
    }

    /// <summary>Records every request the KnowledgeBase serves (path and status), ahead of its own middleware.</summary>
    private sealed class RequestRecorder(ConcurrentQueue<(string Path, int Status)> requests) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                await following(context);
                requests.Enqueue((context.Request.Path.Value ?? "", context.Response.StatusCode));
            });
            next(app);
        };
    }
}
