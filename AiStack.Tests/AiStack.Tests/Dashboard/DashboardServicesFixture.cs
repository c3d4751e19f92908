using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Llama;
using AiStack.Llama.Gguf;
using AiStack.Llama.Runtime;
using AiStack.Tests.Coordinator;
using AiStack.Tests.Infrastructure;
using AiStack.Tests.KnowledgeBase;
using AiStack.Tests.Learning;
using AiStack.Tests.Ralph;

namespace AiStack.Tests.Dashboard;

/// <summary>
/// The four services the control center reads, each real and in-process on a loopback port, with one key: Ralph with script
/// agents (its telemetry shipped by its real outbox to Learning), the Coordinator on a generated tiny model (its telemetry too),
/// a KnowledgeBase with two documents, and Learning holding the events of what ran. Shared by every component test.
/// </summary>
public sealed class DashboardServicesFixture : IAsyncLifetime
{
    public const string ApiKey = "dashboard-test-api-key";

    /// <summary>Exit 1 on the first run (not done), 0 on the second: a task finishes after two iterations.</summary>
    public const string TwoRuns = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\necho \"run $n of the agent\"\nif [ $n -lt 2 ]; then exit 1; fi\necho changed > notes.txt\nexit 0";

    public const string Broken = "echo 'the agent broke' >&2\nexit 1";

    private readonly List<IAsyncDisposable> _owned = [];

    public string Folder { get; } = TestDirectories.Create("dashboard-services");

    public Uri Ralph { get; private set; } = null!;

    public Uri Coordinator { get; private set; } = null!;

    public Uri KnowledgeBase { get; private set; } = null!;

    public Uri Learning { get; private set; } = null!;

    public IReadOnlyList<string> CompletedTasks { get; private set; } = [];

    public string FailedTask { get; private set; } = "";

    public HttpClient Client(Uri service)
    {
        var client = new HttpClient { BaseAddress = service, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    public async Task InitializeAsync()
    {
        // The Coordinator runs a generated model: fail with the reason when llama.cpp cannot be loaded.
        LlamaRuntime.EnsureLoaded(Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        Learning = Start(new LearningFactory(settings: new Dictionary<string, string?> { ["Security:ApiKey"] = ApiKey }));
        var outbox = new Func<string, Dictionary<string, string?>>(name => new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = ApiKey,
            ["services:learning:http:0"] = Learning.ToString(),
            ["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(Folder, "spool-" + name),
            ["Telemetry:Outbox:ShipInterval"] = "00:00:00.100",
        });

        KnowledgeBase = Start(new KnowledgeBaseFactory(settings: outbox("knowledgebase")));
        using (var kb = Client(KnowledgeBase))
        {
            await PostAsync(kb, "/documents", new { project = "aistack", title = "Response cache", source = "docs/cache.md", collection = "best-practices",
                content = "To configure the response cache set ResponseCache:Enabled and the semantic threshold in appsettings." });
            await PostAsync(kb, "/documents", new { project = "aistack", title = "Retries", source = "docs/retries.md", collection = "codebase-context",
                content = "The HTTP clients retry idempotent calls with exponential back-off and jitter." });
        }

        var model = Path.Combine(Folder, "tiny.gguf");
        TinyModelWriter.Write(model, TinyModelSpec.Tiny with { Seed = 3 });
        var coordinator = outbox("coordinator");
        coordinator["services:knowledgebase:http:0"] = KnowledgeBase.ToString();
        coordinator["Inference:ModelPath"] = model;
        coordinator["Inference:ContextSize"] = "512";
        coordinator["Inference:Threads"] = "1";
        coordinator["Inference:ContextPoolSize"] = "1";
        coordinator["Queries:DefaultMaxTokens"] = "8";
        var coordinatorFactory = new CoordinatorFactory(coordinator);
        _owned.Add(coordinatorFactory);
        Coordinator = coordinatorFactory.StartOnPort(LocalServerProcess.FreeTcpPort());
        using (var client = Client(Coordinator))
        {
            // The same question twice: the second answer comes from the response cache.
            foreach (var prompt in (string[])["How do I configure the cache?", "How do the HTTP clients retry?", "How do I configure the cache?"])
            {
                await PostAsync(client, "/query", new { prompt, temperature = 0.0 });
            }
        }

        var bin = Path.Combine(Folder, "bin");
        var ralph = outbox("ralph");
        foreach (var (key, value) in RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(bin, "agent.sh", TwoRuns)))
        {
            ralph[key] = value;
        }

        foreach (var (key, value) in RalphFactory.CommandBackend("broken", RalphFactory.WriteScript(bin, "broken.sh", Broken)))
        {
            ralph[key] = value;
        }

        ralph["Ralph:Defaults:DefaultBackend"] = "agent";
        var ralphFactory = new RalphFactory(Path.Combine(Folder, "ralph"), settings: ralph, recordTelemetry: false);
        Ralph = Start(ralphFactory);
        using (var client = Client(Ralph))
        {
            var done1 = (await client.SubmitAsync(new { prompt = "Write the notes file", backend = "agent", max_iterations = 5 })).Id();
            var done2 = (await client.SubmitAsync(new { prompt = "Write the notes file again", backend = "agent", max_iterations = 5 })).Id();
            FailedTask = (await client.SubmitAsync(new { prompt = "Try the broken agent", backend = "broken", max_iterations = 2 })).Id();
            CompletedTasks = [done1, done2];
            foreach (var id in (string[])[done1, done2, FailedTask])
            {
                await client.WaitForAsync(id, seconds: 60);
            }
        }

        // Every event the services published reaches Learning through their outboxes; then Learning turns them into patterns.
        using var learning = Client(Learning);
        await WaitForEventsAsync(learning, "task_completed", 3);
        await WaitForEventsAsync(learning, "query_answered", 3);
        using var processed = await learning.PostAsync(new Uri("/learning/process", UriKind.Relative), null);
        processed.EnsureSuccessStatusCode();
    }

    private Uri Start<T>(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<T> factory) where T : class
    {
        _owned.Add(factory);
        factory.UseKestrel(LocalServerProcess.FreeTcpPort());
        factory.StartServer();
        return new Uri(factory.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static async Task PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, RalphFactory.Json);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task<JsonArray> EventsAsync(HttpClient learning, string type) =>
        (await learning.GetFromJsonAsync<JsonObject>(new Uri($"/events?type={type}&limit=5000", UriKind.Relative)))!["events"]!.AsArray();

    private static async Task WaitForEventsAsync(HttpClient learning, string type, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            seen = (await EventsAsync(learning, type)).Count;
            if (seen >= count)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Learning holds {seen} {type} events after 30 s; {count} were sent.");
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        TestDirectories.Delete(Folder);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardServicesCollection : ICollectionFixture<DashboardServicesFixture>
{
    public const string Name = "Dashboard services";
}
