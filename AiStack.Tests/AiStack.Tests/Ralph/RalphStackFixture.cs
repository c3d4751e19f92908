using AiStack.Tests.AppHost;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.Ralph;

/// <summary>
/// The embedded stack under the real AppHost, with two script backends declared through the AppHost's command line:
/// <c>slow</c> (0.4 s per run, exit 2 until the sixth run) and <c>quick</c> (exit 2 once, then 0).
/// </summary>
public sealed class RalphStackFixture : IAsyncLifetime
{
    public AppHostProcess Host { get; private set; } = null!;

    public HttpClient Ralph { get; private set; } = null!;

    public string Bin { get; } = TestDirectories.Create("ralph-stack-bin");

    public async Task InitializeAsync()
    {
        const string counter = "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs\n";
        var slow = RalphFactory.WriteScript(Bin, "slow.sh", counter + "sleep 0.4\nif [ $n -lt 6 ]; then exit 2; fi\nexit 0");
        var quick = RalphFactory.WriteScript(Bin, "quick.sh", counter + "echo \"step $n of the work\"\necho \"line two of run $n\"\nif [ $n -lt 2 ]; then exit 2; fi\nexit 0");
        Host = AppHostProcess.Start("embedded", StackResources.Embedded,
            "--Ralph:Backends:slow:Type=command", $"--Ralph:Backends:slow:Executable={slow}",
            "--Ralph:Backends:quick:Type=command", $"--Ralph:Backends:quick:Executable={quick}",
            "--Ralph:PollMilliseconds=50");
        try
        {
            // As long as the other AppHost fixtures: several stacks start side by side on two cores under the CPU burner.
            await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(240));
        }
        catch
        {
            // xUnit never disposes a fixture whose start failed: without this the AppHost and its services outlive the suite.
            await Host.DisposeAsync();
            TestDirectories.Delete(Bin);
            throw;
        }

        Ralph = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Host.Ports["ralph"]}") };
        Ralph.DefaultRequestHeaders.Add("X-API-Key", Host.ApiKey);
    }

    public async Task DisposeAsync()
    {
        Ralph.Dispose();
        await Host.DisposeAsync();
        TestDirectories.Delete(Bin);
    }
}

[CollectionDefinition(Name)]
public sealed class RalphStackCollection : ICollectionFixture<RalphStackFixture>
{
    public const string Name = "Ralph under the AppHost";
}
