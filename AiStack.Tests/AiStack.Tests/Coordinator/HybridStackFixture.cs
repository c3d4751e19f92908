using System.Net.Http.Json;
using AiStack.AppHost.Infrastructure;
using AiStack.Llama;
using AiStack.Llama.Gguf;
using AiStack.Llama.Runtime;
using AiStack.Tests.Infrastructure;
using AiStack.Tests.KnowledgeBase;

namespace AiStack.Tests.Coordinator;

/// <summary>
/// Real parts on loopback ports: a KnowledgeBase holding one skills pattern; a "remote" Coordinator serving its own tiny generated
/// model through the OpenAI-compatible endpoint; and the Coordinator under test, with its own local tiny model (another seed, so
/// the two answer differently) and that remote configured as its OpenAI-compatible backend.
/// </summary>
public sealed class HybridStackFixture : IAsyncLifetime
{
    public const string KnownPattern = "To configure the response cache set ResponseCache SemanticThreshold in appsettings and restart the coordinator";
    /// <summary>One stack, one key: the KnowledgeBase, the remote and the local Coordinator all accept the same one.</summary>
    public const string RemoteKey = CoordinatorFactory.ApiKey;

    private readonly List<IAsyncDisposable> _owned = [];

    public string Directory { get; } = TestDirectories.Create("hybrid");

    public KnowledgeBaseFactory KnowledgeBase { get; private set; } = null!;

    public Uri KnowledgeBaseAddress { get; private set; } = null!;

    public CoordinatorFactory Remote { get; private set; } = null!;

    public Uri RemoteAddress { get; private set; } = null!;

    public string LocalModelPath => Path.Combine(Directory, "local.gguf");

    public string RemoteModelPath => Path.Combine(Directory, "remote.gguf");

    public async Task InitializeAsync()
    {
        // The routing tests run real local models: fail with the reason when llama.cpp cannot be loaded.
        LlamaRuntime.EnsureLoaded(Environment.GetEnvironmentVariable("Inference__NativeLibraryPath"), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        TinyModelWriter.Write(LocalModelPath, TinyModelSpec.Tiny with { Seed = 1 });
        TinyModelWriter.Write(RemoteModelPath, TinyModelSpec.Tiny with { Seed = 2 });

        KnowledgeBase = new KnowledgeBaseFactory(settings: new Dictionary<string, string?> { ["Security:ApiKey"] = CoordinatorFactory.ApiKey });
        _owned.Add(KnowledgeBase);
        KnowledgeBase.UseKestrel(LocalServerProcess.FreeTcpPort());
        KnowledgeBase.StartServer();
        KnowledgeBaseAddress = new Uri(KnowledgeBase.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority));
        using (var client = KnowledgeBase.CreateClient())
        {
            client.DefaultRequestHeaders.Add("X-API-Key", CoordinatorFactory.ApiKey);
            using var response = await client.PostAsJsonAsync("/documents", new
            {
                project = "aistack",
                title = "Response cache",
                content = KnownPattern,
                source = "patterns/response-cache",
                collection = "skills-patterns",
            }, KnowledgeBaseFactory.Json);
            response.EnsureSuccessStatusCode();
        }

        Remote = new CoordinatorFactory(Settings(RemoteModelPath));
        _owned.Add(Remote);
        RemoteAddress = Remote.StartOnPort(LocalServerProcess.FreeTcpPort());
    }

    /// <summary>Settings for a Coordinator with a local model at <paramref name="modelPath"/> and this fixture's KnowledgeBase.</summary>
    public Dictionary<string, string?> Settings(string? modelPath, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["services:knowledgebase:http:0"] = KnowledgeBaseAddress.ToString(),
            ["Inference:ModelPath"] = modelPath,
            ["Inference:ContextSize"] = "512",
            ["Inference:Threads"] = "1",
            ["Inference:ContextPoolSize"] = "2",
            ["Queries:DefaultMaxTokens"] = "12",
            ["Security:ApiKey"] = CoordinatorFactory.ApiKey,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Settings for the Coordinator under test: local model plus the remote Coordinator as its OpenAI-compatible backend.</summary>
    public Dictionary<string, string?> HybridSettings(IDictionary<string, string?>? more = null)
    {
        var settings = Settings(LocalModelPath, new Dictionary<string, string?>
        {
            ["Remote:Endpoint"] = new Uri(RemoteAddress, "/v1").ToString(),
            ["Remote:Model"] = "aistack-local",
            ["Remote:ApiKey"] = RemoteKey,
        });
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        TestDirectories.Delete(Directory);
    }
}

[CollectionDefinition(Name)]
public sealed class HybridStackCollection : ICollectionFixture<HybridStackFixture>, ICollectionFixture<Infrastructure.RedisFixture>
{
    public const string Name = "Hybrid stack";
}
