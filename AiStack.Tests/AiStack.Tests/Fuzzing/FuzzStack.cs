using AiStack.AppHost.Infrastructure;
using AiStack.Llama.Gguf;
using AiStack.Llama.Runtime;
using AiStack.Tests.Coordinator;
using AiStack.Tests.Infrastructure;
using AiStack.Tests.KnowledgeBase;
using AiStack.Tests.Learning;
using AiStack.Tests.Ralph;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Tests.Fuzzing;

/// <summary>A service of the stack under fuzzing: its address on a real loopback port and its host, to tell it never stopped.</summary>
public sealed record FuzzTarget(string Name, Uri Address, IServiceProvider Services, StateProbe Probe)
{
    public bool Stopping => Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;
}

/// <summary>
/// The four services with real storage (SQLite files, or a PostgreSQL database each) and real HTTP between them on loopback
/// ports, all with one key: the KnowledgeBase with the MiniLM embedder, the Coordinator on a generated GGUF through llama.cpp, Ralph
/// with a command backend and the <c>llm</c> backend on that Coordinator, and Learning feeding that KnowledgeBase and Ralph.
/// </summary>
public sealed class FuzzStack : IAsyncDisposable
{
    public const string Key = "fuzz-stack-api-key";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _folder;

    private FuzzStack(string folder) => _folder = folder;

    public List<FuzzTarget> Targets { get; } = [];

    public static async Task<FuzzStack> StartAsync(PostgresFixture? postgres)
    {
        LlamaRuntime.EnsureLoaded(Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"), NullLoggerFactory.Instance);
        var stack = new FuzzStack(TestDirectories.Create("fuzz"));
        var model = Path.Combine(stack._folder, "tiny.gguf");
        TinyModelWriter.Write(model, TinyModelSpec.Tiny);
        async Task<string?> Database(string name) => postgres is null ? null : await postgres.CreateDatabaseAsync("fuzz_" + name);

        var knowledgeBase = stack.Start("knowledgebase", new KnowledgeBaseFactory(postgres: await Database("kb"), settings: Shared(stack._folder, "kb")),
            StateProbe.KnowledgeBase);
        var coordinator = stack.Start("coordinator", new CoordinatorFactory(new Dictionary<string, string?>(Shared(stack._folder, "coordinator"))
        {
            ["services:knowledgebase:http:0"] = knowledgeBase.ToString(),
            ["Inference:ModelPath"] = model,
            ["Inference:ContextSize"] = "512",
            ["Inference:Threads"] = "1",
            ["Inference:ContextPoolSize"] = "2",
        }, home: Path.Combine(stack._folder, "coordinator")), StateProbe.Coordinator);
        var ralphFolder = Path.Combine(stack._folder, "ralph");
        var ralphSettings = RalphFactory.CommandBackend("agent", RalphFactory.WriteScript(Path.Combine(stack._folder, "bin"), "agent.sh", "echo done\nexit 0"), timeoutSeconds: 10);
        foreach (var (key, value) in Shared(stack._folder, "ralph"))
        {
            ralphSettings[key] = value;
        }

        ralphSettings["services:knowledgebase:http:0"] = knowledgeBase.ToString();
        ralphSettings["services:coordinator:http:0"] = coordinator.ToString();
        ralphSettings["Ralph:Defaults:DefaultBackend"] = "agent";
        Directory.CreateDirectory(ralphFolder);
        var ralph = stack.Start("ralph", new RalphFactory(ralphFolder, await Database("ralph"), ralphSettings), StateProbe.Ralph);
        stack.Start("learning", new LearningFactory(await Database("learning"), new Dictionary<string, string?>(Shared(stack._folder, "learning"))
        {
            ["services:knowledgebase:http:0"] = knowledgeBase.ToString(),
            ["services:ralph:http:0"] = ralph.ToString(),
        }), StateProbe.Learning);
        await Task.CompletedTask;
        return stack;
    }

    /// <summary>The stack's key everywhere; telemetry spooled in the test's folder (nothing ships it, so Learning sees only the fuzzer).</summary>
    private static Dictionary<string, string?> Shared(string folder, string service) => new()
    {
        ["Security:ApiKey"] = Key,
        ["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(folder, "spool-" + service),
        ["Telemetry:Outbox:Destination"] = "nowhere",
        // Refusals are logged at information and warning level by design; a 500 is an error and stays visible in the output.
        ["Logging:LogLevel:Default"] = "Error",
    };

    private Uri Start<TEntryPoint>(string name, WebApplicationFactory<TEntryPoint> factory, StateProbe probe) where TEntryPoint : class
    {
        _owned.Add(factory);
        var port = LocalServerProcess.FreeTcpPort();
        factory.UseKestrel(port);
        factory.StartServer();
        var address = new Uri($"http://127.0.0.1:{port}/");
        Targets.Add(new FuzzTarget(name, address, factory.Services, probe));
        return address;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        TestDirectories.Delete(_folder);
    }
}
