using AiStack.AppHost.Infrastructure;
using AiStack.Llama.Hosting;
using AiStack.Tests.KnowledgeBase;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Coordinator;

/// <summary>
/// Two real Coordinators on loopback ports, for the OpenAI-compatibility tests: the one under test (<see cref="Hybrid"/>) with a
/// scripted local model and the other Coordinator as its remote, which answers with its own scripted model; both embed through a
/// real KnowledgeBase. A third, <see cref="Strict"/>, has a small body limit and a rate limit of <see cref="StrictPermits"/> a minute.
/// </summary>
public sealed class ScriptedStackFixture : IAsyncLifetime
{
    public const string Key = CoordinatorFactory.ApiKey;
    public const int StrictPermits = 3;
    public const int StrictBodyBytes = 4096;

    private readonly List<IAsyncDisposable> _owned = [];

    public ScriptedChatClient LocalModel { get; } = new("local");

    public ScriptedChatClient RemoteModel { get; } = new("remote");

    public KnowledgeBaseFactory KnowledgeBase { get; private set; } = null!;

    public CoordinatorFactory Hybrid { get; private set; } = null!;

    public Uri HybridAddress { get; private set; } = null!;

    public Uri RemoteAddress { get; private set; } = null!;

    public Uri StrictAddress { get; private set; } = null!;

    public Task InitializeAsync()
    {
        KnowledgeBase = Own(new KnowledgeBaseFactory(settings: new Dictionary<string, string?> { ["Security:ApiKey"] = Key }));
        KnowledgeBase.UseKestrel(LocalServerProcess.FreeTcpPort());
        KnowledgeBase.StartServer();
        var knowledgeBase = KnowledgeBase.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority);

        RemoteAddress = Own(new CoordinatorFactory(new Dictionary<string, string?> { ["services:knowledgebase:http:0"] = knowledgeBase }, WithModel(RemoteModel)))
            .StartOnPort(LocalServerProcess.FreeTcpPort());
        Hybrid = Own(new CoordinatorFactory(new Dictionary<string, string?>
        {
            ["services:knowledgebase:http:0"] = knowledgeBase,
            ["Remote:Endpoint"] = new Uri(RemoteAddress, "/v1").ToString(),
            ["Remote:Model"] = "aistack-local",
            ["Remote:ApiKey"] = Key,
        }, WithModel(LocalModel)));
        HybridAddress = Hybrid.StartOnPort(LocalServerProcess.FreeTcpPort());
        StrictAddress = Own(new CoordinatorFactory(new Dictionary<string, string?>
        {
            ["RateLimiting:Enabled"] = "true",
            ["RateLimiting:Policies:expensive:UserPermitsPerMinute"] = StrictPermits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:MaxRequestBodyBytes"] = StrictBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, WithModel(new ScriptedChatClient("strict")))).StartOnPort(LocalServerProcess.FreeTcpPort());
        return Task.CompletedTask;
    }

    /// <summary>The scripted model as the Coordinator's local model, where llama.cpp's client would be.</summary>
    public static Action<IServiceCollection> WithModel(IChatClient model) =>
        services => services.AddKeyedSingleton(LlamaServiceCollectionExtensions.ServiceKey, model);

    private T Own<T>(T owned) where T : IAsyncDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ScriptedStackCollection : ICollectionFixture<ScriptedStackFixture>
{
    public const string Name = "Scripted Coordinator stack";
}
