namespace AiStack.Tests.AppHost;

/// <summary>One AppHost per profile, shared by the end-to-end tests of that profile (start-up is the slow part).</summary>
public abstract class StackFixture : IAsyncLifetime
{
    private readonly string _profile;
    private readonly string[] _resources;

    protected StackFixture(string profile, params string[] resources)
    {
        _profile = profile;
        _resources = resources;
    }

    public AppHostProcess Host { get; private set; } = null!;

    /// <summary>Launch to all-ready, as the test saw it (includes the AppHost's own start).</summary>
    public TimeSpan StartupTime { get; private set; }

    public IReadOnlyList<string> ExpectedResources => _resources;

    public async Task InitializeAsync()
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Host = AppHostProcess.Start(_profile, _resources);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
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
