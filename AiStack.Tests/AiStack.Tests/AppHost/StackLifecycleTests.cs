using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>Start-up refusals, shutdown and a killed AppHost, each with an AppHost process of its own (they end it).</summary>
public sealed class StackLifecycleTests
{
    [Fact]
    public async Task Sigterm_stops_every_service_and_server_and_the_apphost_exits_cleanly()
    {
        await using var host = AppHostProcess.Start("full", StackResources.Full);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(240));
        var resources = await host.GetResourcesAsync();
        var pids = resources.Select(r => r.GetProperty("pid").GetInt32()).ToList();
        var postgres = resources.Single(r => r.GetProperty("name").GetString() == "postgres").GetProperty("pid").GetInt32();
        var postgresBackends = StackHost.DescendantsOf(postgres);
        var everything = Orchestrator(host.Pid).SelectMany(p => StackHost.DescendantsOf(p).Append(p)).Concat(pids).Concat(postgresBackends).Distinct().ToList();

        host.Signal(PosixSignalNumber.Terminate);
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(0, exitCode);
        Assert.Equal(StackResources.Full.Length, pids.Count);
        Assert.NotEmpty(postgresBackends);
        await AssertAllGoneAsync(everything, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// DCP watches the AppHost's pid: when the AppHost dies without a chance to clean up, DCP stops every service and server
    /// itself and exits. Checked by pid, including the `dotnet run` wrappers, the services they run, PostgreSQL's backends and DCP.
    /// </summary>
    [Fact]
    public async Task Sigkill_of_the_apphost_leaves_no_service_server_or_orchestrator_process()
    {
        await using var host = AppHostProcess.Start("full", StackResources.Full);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(240));
        var resources = await host.GetResourcesAsync();
        var servicePids = resources.Select(r => r.GetProperty("pid").GetInt32()).ToList();
        var orchestrator = Orchestrator(host.Pid);
        var everything = orchestrator.SelectMany(p => StackHost.DescendantsOf(p).Append(p))
            .Concat(servicePids.SelectMany(p => StackHost.DescendantsOf(p).Append(p)))
            .Distinct().ToList();
        Assert.NotEmpty(orchestrator);
        Assert.All(servicePids, pid => Assert.True(StackHost.IsAlive(pid)));

        host.Signal(PosixSignalNumber.Kill);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

        await AssertAllGoneAsync(everything, TimeSpan.FromSeconds(90));
    }

    /// <summary>The same while every core is kept busy: DCP's clean-up must not need an idle machine.</summary>
    [Fact]
    public async Task Sigkill_of_the_apphost_under_cpu_load_leaves_no_service_or_orchestrator_process()
    {
        using var burner = Infrastructure.CpuBurner.Start();
        await using var host = AppHostProcess.Start("embedded", StackResources.Embedded);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(300));
        var servicePids = (await host.GetResourcesAsync()).Select(r => r.GetProperty("pid").GetInt32()).ToList();
        var everything = Orchestrator(host.Pid).SelectMany(p => StackHost.DescendantsOf(p).Append(p))
            .Concat(servicePids.SelectMany(p => StackHost.DescendantsOf(p).Append(p)))
            .Distinct().ToList();

        host.Signal(PosixSignalNumber.Kill);
        await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

        await AssertAllGoneAsync(everything, TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task A_second_apphost_on_the_same_home_is_refused_and_ctrl_c_stops_the_first_cleanly()
    {
        await using var first = AppHostProcess.Start("embedded", StackResources.Embedded);
        await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(240));
        var pid = (await first.GetResourceAsync("knowledgebase")).GetProperty("pid").GetInt32();
        var otherPorts = LocalServerProcess.FreeTcpPorts(first.Ports.Keys);

        var second = AppHostProcess.StartWith("embedded", first.Home, otherPorts);
        var secondExit = await second.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var secondOutput = second.Output;
        Assert.True(StackHost.IsAlive(pid), "the first stack must be left alone");

        first.Signal(PosixSignalNumber.Interrupt);
        var firstExit = await first.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(2, secondExit);
        Assert.Contains("Another AppHost is running with home", secondOutput, StringComparison.Ordinal);
        Assert.Equal(0, firstExit);
        await AssertAllGoneAsync([pid], TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_port_in_use_fails_start_up_with_a_message_that_names_the_resource()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var busy = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        await using var host = AppHostProcess.Start("embedded", [], $"--Ports:knowledgebase={busy}");

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(2, exitCode);
        Assert.Contains($"port {busy} for knowledgebase is in use: stop what uses it or set Ports__knowledgebase=", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_profile_is_refused_before_anything_starts()
    {
        await using var host = AppHostProcess.Start("cloud", StackResources.Embedded);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown profile 'cloud'", host.Output, StringComparison.Ordinal);
    }

    /// <summary>DCP's processes for this AppHost: started with <c>--monitor {pid}</c>.</summary>
    private static List<int> Orchestrator(int appHostPid) => StackHost.ProcessesWithCommandLine($"--monitor {appHostPid} ");

    private static async Task AssertAllGoneAsync(IReadOnlyList<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && pids.Any(StackHost.IsAlive))
        {
            await Task.Delay(250);
        }

        var alive = pids.Where(StackHost.IsAlive).Select(p => $"{p} ({CommandLine(p)})").ToList();
        Assert.True(alive.Count == 0, $"still running {timeout.TotalSeconds} s later: {string.Join(", ", alive)}");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
