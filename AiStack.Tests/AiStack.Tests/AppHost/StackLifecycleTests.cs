using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>Start-up failures and shutdown, each with an AppHost of its own (they end it).</summary>
public sealed class StackLifecycleTests
{
    [Fact]
    public async Task Sigterm_stops_every_child_and_the_apphost_exits_cleanly()
    {
        await using var host = AppHostProcess.Start("full", StackResources.Full);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var pids = (await host.GetResourcesAsync()).Select(r => r.GetProperty("pid").GetInt32()).ToList();
        var postgresBackends = ChildrenOf(pids[0]);

        host.Signal(PosixSignalNumber.Terminate);
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.Equal(StackResources.Full.Length, pids.Count);
        Assert.NotEmpty(postgresBackends);
        Assert.All(pids.Concat(postgresBackends), pid => Assert.False(AppHostProcess.IsAlive(pid), $"process {pid} is still running"));
        Assert.Contains("Stopped all resources", host.Output, StringComparison.Ordinal);
        // Reverse dependency order: the service before the servers it depends on.
        var output = host.Output;
        Assert.True(output.IndexOf("Stopping knowledgebase", StringComparison.Ordinal) < output.IndexOf("Stopping postgres", StringComparison.Ordinal));
        Assert.True(output.IndexOf("Stopping knowledgebase", StringComparison.Ordinal) < output.IndexOf("Stopping redis", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ctrl_c_stops_the_services_and_the_apphost_exits_cleanly()
    {
        await using var host = AppHostProcess.Start("embedded", StackResources.Embedded);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var pid = (await host.GetResourceAsync("knowledgebase")).GetProperty("pid").GetInt32();

        host.Signal(PosixSignalNumber.Interrupt);
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.False(AppHostProcess.IsAlive(pid));
        Assert.Contains("Stopping knowledgebase", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_left_running_by_a_killed_apphost_are_stopped_by_the_next_one()
    {
        await using var first = AppHostProcess.Start("embedded", StackResources.Embedded);
        await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var orphan = (await first.GetResourceAsync("knowledgebase")).GetProperty("pid").GetInt32();
        first.Signal(PosixSignalNumber.Kill);
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(AppHostProcess.IsAlive(orphan), "the service should outlive a SIGKILLed AppHost");

        await using var second = AppHostProcess.StartWith("embedded", first.Home, first.Ports);
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var fresh = (await second.GetResourceAsync("knowledgebase")).GetProperty("pid").GetInt32();

        Assert.False(AppHostProcess.IsAlive(orphan));
        Assert.NotEqual(orphan, fresh);
        Assert.Contains($"Stopped knowledgebase (pid {orphan}), left running", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_apphost_on_the_same_home_is_refused()
    {
        await using var first = AppHostProcess.Start("embedded", StackResources.Embedded);
        await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var pid = (await first.GetResourceAsync("knowledgebase")).GetProperty("pid").GetInt32();
        var otherPorts = first.Ports.ToDictionary(p => p.Key, _ => LocalServerProcess.FreeTcpPort());

        await using var second = AppHostProcess.StartWith("embedded", first.Home, otherPorts);
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Another AppHost is running with home", second.Output, StringComparison.Ordinal);
        Assert.True(AppHostProcess.IsAlive(pid), "the first stack must be left alone");
    }

    [Fact]
    public async Task A_resource_that_cannot_start_fails_start_up_naming_it_and_nothing_after_it_starts()
    {
        var home = Infrastructure.TestDirectories.Create("apphost-broken");
        var pgdata = Path.Combine(home, "postgres", "pgdata");
        Directory.CreateDirectory(pgdata);
        await File.WriteAllTextAsync(Path.Combine(pgdata, "PG_VERSION"), "7\n");
        var ports = StackResources.Full.Append("apphost").ToDictionary(r => r, _ => LocalServerProcess.FreeTcpPort());
        await using var host = AppHostProcess.StartWith("full", home, ports);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(1, exitCode);
        Assert.Contains("Start-up failed. Resource 'postgres'", host.Output, StringComparison.Ordinal);
        Assert.Contains("Its last lines:", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Started knowledgebase", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_verb_is_optional_bare_switches_become_true_and_options_live_under_apphost()
    {
        var (arguments, verb) = AiStack.AppHost.Model.StackBuilder.NormalizeArguments(["run", "--profile", "full", "--show-key"]);

        Assert.Equal("run", verb);
        Assert.Equal(["--AppHost:Profile", "full", "--AppHost:ShowKey=true"], arguments);
    }

    [Fact]
    public void The_home_option_is_not_confused_with_the_home_environment_variable()
    {
        // Configuration keys ignore case: a bare "home" key would read $HOME when --home is not given.
        var (arguments, _) = AiStack.AppHost.Model.StackBuilder.NormalizeArguments(["--home=/tmp/stack", "--tier", "small"]);

        Assert.Equal(["--AppHost:Home=/tmp/stack", "--AppHost:Tier", "small"], arguments);
        Assert.NotEqual("HOME", AiStack.AppHost.Model.StackBuilder.HomeKey, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_port_in_use_fails_start_up_with_a_message_that_names_the_resource()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var busy = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        await using var host = AppHostProcess.Start("embedded", [], $"--Ports:knowledgebase={busy}");

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains($"port {busy} for knowledgebase is in use: stop what uses it or set Ports__knowledgebase=", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_profile_is_refused_before_anything_starts()
    {
        await using var host = AppHostProcess.Start("cloud", StackResources.Embedded);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown profile 'cloud'", host.Output, StringComparison.Ordinal);
    }

    private static List<int> ChildrenOf(int pid)
    {
        var children = $"/proc/{pid}/task/{pid}/children";
        return File.Exists(children)
            ? File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList()
            : [];
    }
}
