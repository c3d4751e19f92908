using System.Net;
using AiStack.Clients;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Contracts.Stack;
using AiStack.Contracts.Tasks;
using AiStack.Contracts.Telemetry;
using AiStack.Tests.Learning;
using AiStack.Tests.Ralph;

namespace AiStack.Tests.Clients;

/// <summary>Every typed client against its real service, started by the real AppHost (the stack of <see cref="RalphStackFixture"/>).</summary>
[Collection(RalphStackCollection.Name)]
public sealed class ServiceClientsTests(RalphStackFixture stack) : IDisposable
{
    private readonly List<HttpClient> _http = [];

    private T Client<T>(string resource, Func<HttpClient, T> create) where T : ServiceClient
    {
        var http = StackHttp.Create(new Uri($"http://127.0.0.1:{stack.Host.Ports[resource]}"), stack.Host.ApiKey, TimeSpan.FromSeconds(60));
        _http.Add(http);
        return create(http);
    }

    private RalphClient Ralph => Client("ralph", h => new RalphClient(h));

    private KnowledgeBaseClient KnowledgeBase => Client("knowledgebase", h => new KnowledgeBaseClient(h));

    private CoordinatorClient Coordinator => Client("coordinator", h => new CoordinatorClient(h));

    private LearningClient Learning => Client("learning", h => new LearningClient(h));

    private StackControlClient Control => Client("apphost", h => new StackControlClient(h));

    public void Dispose()
    {
        foreach (var http in _http)
        {
            http.Dispose();
        }
    }

    [Fact]
    public async Task Each_service_answers_its_health_through_its_client()
    {
        foreach (ServiceClient client in new ServiceClient[] { Ralph, KnowledgeBase, Coordinator, Learning })
        {
            var health = await client.HealthAsync();

            Assert.Contains(health.Status, new[] { "healthy", "degraded" });
            Assert.NotEmpty(health.Checks);
            Assert.All(health.Checks, c => Assert.False(string.IsNullOrEmpty(c.Name)));
        }
    }

    [Fact]
    public async Task Ralph_client_submits_follows_and_reads_a_task_and_its_settings()
    {
        var ralph = Ralph;
        var tag = "clients-" + Guid.NewGuid().ToString("N")[..8];

        var submitted = await ralph.SubmitAsync(new SubmitTaskRequest { Prompt = "two runs of the quick agent", Backend = "quick", MaxIterations = 5, Tags = [tag] });
        TaskResultResponse result;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            result = await ralph.ResultAsync(submitted.TaskId);
        }
        while (!TaskStatuses.IsFinal(result.Status) && DateTime.UtcNow < deadline);

        Assert.Equal(TaskStatuses.Queued, submitted.Status);
        Assert.Equal(TaskStatuses.Completed, result.Status);
        Assert.Equal(2, result.TotalIterations);
        Assert.Equal([2, 0], result.Results.Select(i => i.ExitCode));
        Assert.Contains("line two of run 2", result.Output, StringComparison.Ordinal);
        Assert.Equal("two runs of the quick agent", (await ralph.GetAsync(submitted.TaskId)).Prompt);
        Assert.True((await ralph.IterationAsync(submitted.TaskId, 1)).ExitBlocked);
        var listed = await ralph.ListAsync(new TaskListQuery(Tag: tag));
        Assert.Equal(submitted.TaskId, Assert.Single(listed.Tasks).TaskId);
        Assert.True((await ralph.StatsAsync()).TotalTasks >= 1);
        Assert.Equal(3, (await ralph.GetSettingsAsync()).Settings.BaseLimits.Simple);
    }

    [Fact]
    public async Task A_refused_request_is_a_service_call_exception_with_the_field_and_rule()
    {
        var error = await Assert.ThrowsAsync<ServiceCallException>(() => Ralph.SubmitAsync(new SubmitTaskRequest { Prompt = "x", Backend = "not-declared" }));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("ralph", error.Service);
        Assert.Contains("not declared", Assert.Single(error.Problem!.Errors!["backend"]), StringComparison.Ordinal);
        Assert.Contains("ralph /tasks answered 400", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_that_is_not_there_is_named_as_unreachable()
    {
        using var http = StackHttp.Create(new Uri($"http://127.0.0.1:{AiStack.AppHost.Infrastructure.LocalServerProcess.FreeTcpPort()}"), "key");

        var error = await Assert.ThrowsAsync<ServiceCallException>(() => new LearningClient(http).StatsAsync());

        Assert.Null(error.StatusCode);
        Assert.Contains("cannot be reached", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnowledgeBase_client_adds_finds_indexes_and_deletes()
    {
        var kb = KnowledgeBase;
        var project = "clients-" + Guid.NewGuid().ToString("N")[..8];

        var added = await kb.AddDocumentAsync(new AddDocumentRequest
        {
            Project = project, Title = "Cache", Source = "docs/cache.md", Collection = "best-practices",
            Content = "To configure the response cache set ResponseCache:Enabled to true.",
        });
        var context = await kb.ContextAsync(new ContextRequest { Query = "configure the response cache", Project = project });
        var listed = await kb.ListDocumentsAsync(new DocumentListQuery(Project: project, IncludeContent: true));
        var vectors = await kb.EmbedAsync(["one", "two"]);
        var indexed = await kb.IndexAsync("interaction-history", "item-" + project, "an indexed note about caching", new Dictionary<string, object?> { ["project_tag"] = project });
        var found = await kb.SearchAsync(new VectorSearchRequest { Collection = "interaction-history", Query = "an indexed note about caching", Limit = 3 });
        var collections = await kb.GetCollectionsAsync();
        var deleted = await kb.DeleteDocumentAsync(added.Id);

        Assert.Equal(project, added.Project);
        Assert.Contains(context.Results, r => r.DocumentId == added.Id);
        Assert.Contains("ResponseCache:Enabled", Assert.Single(listed.Documents).Content, StringComparison.Ordinal);
        Assert.Equal(2, vectors.Count);
        Assert.Equal(vectors[0].Length, vectors[1].Length);
        Assert.Equal("item-" + project, indexed);
        Assert.Contains(found.Results, r => r.Id == "item-" + project);
        Assert.Contains(collections.Collections, c => c.Name == "best-practices");
        Assert.True(deleted.Deleted);
    }

    [Fact]
    public async Task KnowledgeBase_refuses_a_query_over_the_shared_limit_by_name()
    {
        var error = await Assert.ThrowsAsync<ServiceCallException>(() =>
            KnowledgeBase.ContextAsync(new ContextRequest { Query = new string('q', ContextLimits.MaxQueryChars + 1) }));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.True(error.Problem!.Errors!.ContainsKey("query"), error.Message);
    }

    [Fact]
    public async Task Coordinator_client_augments_and_names_an_unknown_interaction()
    {
        var augmented = await Coordinator.AugmentAsync(new AugmentQueryRequest("How do I configure the cache?", "ralph"));
        var error = await Assert.ThrowsAsync<ServiceCallException>(() =>
            Coordinator.FeedbackAsync(new FeedbackRequest { InteractionId = "no-such-interaction", Outcome = "success" }));

        Assert.Equal("How do I configure the cache?", augmented.OriginalQuery);
        Assert.Contains("How do I configure the cache?", augmented.AugmentedPrompt, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Learning_client_sends_events_once_processes_and_reads_its_state()
    {
        var learning = Learning;
        var id = "clients-" + Guid.NewGuid().ToString("N");
        var batch = new TelemetryBatch([Events.TaskCompleted(id, "Write the client library for every service", "Done: one client per service.") with { Id = id }]);

        var first = await learning.SendEventsAsync(batch);
        var again = await learning.SendEventsAsync(batch);
        var processed = await learning.ProcessAsync();
        var stats = await learning.StatsAsync();
        var proposals = await learning.ProposalsAsync("pending");
        var exported = await learning.ExportAsync();
        await using var dataset = await learning.DatasetAsync();
        var text = await new StreamReader(dataset).ReadToEndAsync();

        Assert.Equal((1, 0), (first.Accepted, first.Duplicates));
        Assert.Equal((0, 1), (again.Accepted, again.Duplicates));
        Assert.Equal("ok", processed.Status);
        Assert.True(stats.Events.Received >= 1);
        Assert.All(proposals.Proposals, p => Assert.Equal("pending", p.Status));
        Assert.Equal("exported", exported.Status);
        Assert.Equal(exported.Examples, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Control_client_lists_resources_reads_logs_and_names_an_unknown_one()
    {
        var control = Control;

        var resources = await control.ResourcesAsync();
        var ralph = await control.ResourceAsync("ralph");
        var logs = await control.LogsAsync("ralph", 5);
        var error = await Assert.ThrowsAsync<ServiceCallException>(() => control.ResourceAsync("no-such-resource"));

        Assert.Equal(["coordinator", "dashboard", "knowledgebase", "learning", "ralph"], resources.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal(ResourceState.Ready, ralph.State);
        Assert.Equal("ralph", logs.Name);
        Assert.True(logs.Lines.Count <= 5);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }
}
