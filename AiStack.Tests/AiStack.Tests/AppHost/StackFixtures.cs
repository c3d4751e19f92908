namespace AiStack.Tests.AppHost;

/// <summary>One AppHost per profile, started with Aspire.Hosting.Testing and shared by the end-to-end tests of that profile.</summary>
public abstract class StackFixture : IAsyncLifetime
{
    private readonly string _profile;
    private readonly string[] _resources;

    protected StackFixture(string profile, params string[] resources)
    {
        _profile = profile;
        _resources = resources;
    }

    public AspireStack Host { get; private set; } = null!;

    /// <summary>Start to every resource healthy, as the test saw it.</summary>
    public TimeSpan StartupTime { get; private set; }

    public IReadOnlyList<string> ExpectedResources => _resources;

    public async Task InitializeAsync()
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Host = await AspireStack.StartAsync(_profile, _resources, TimeSpan.FromSeconds(240));
        StartupTime = stopwatch.Elapsed;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The resources each profile starts, in one place for every end-to-end test.</summary>
public static class StackResources
{
    public static readonly string[] Services = ["knowledgebase", "learning", "coordinator", "ralph", "dashboard"];

    public static readonly string[] Embedded = Services;

    public static readonly string[] Full = ["postgres", "redis", .. Services];
}

public sealed class EmbeddedStackFixture() : StackFixture("embedded", StackResources.Embedded);

public sealed class FullStackFixture() : StackFixture("full", StackResources.Full);

[CollectionDefinition(Name)]
public sealed class EmbeddedStackCollection : ICollectionFixture<EmbeddedStackFixture>
{
    public const string Name = "AppHost embedded stack";
}

[CollectionDefinition(Name)]
public sealed class FullStackCollection : ICollectionFixture<FullStackFixture>
{
    public const string Name = "AppHost full stack";
}
