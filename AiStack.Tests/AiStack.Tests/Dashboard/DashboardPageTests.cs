namespace AiStack.Tests.Dashboard;

/// <summary>
/// A page test of the control center: a fresh bunit context per test over the collection's real services, and clients of those
/// services (made with <see cref="ServiceClient"/>) disposed with it.
/// </summary>
public abstract class DashboardPageTests(DashboardServicesFixture services) : IAsyncLifetime
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly Dictionary<Uri, HttpClient> _clients = [];

    protected DashboardServicesFixture Services { get; } = services;

    protected DashboardTestContext Context { get; private set; } = null!;

    /// <summary>The test's client of one of the fixture's services (made once, disposed with the test).</summary>
    protected HttpClient ServiceClient(Uri address)
    {
        if (!_clients.TryGetValue(address, out var client))
        {
            _clients[address] = client = Services.Client(address);
        }

        return client;
    }

    public Task InitializeAsync()
    {
        Context = new DashboardTestContext(Services);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Context.DisposeAsync();
    }
}
