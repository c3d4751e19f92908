using System.Diagnostics;
using AiStack.AppHost.Infrastructure;
using AiStack.AppHost.Launching;
using AiStack.AppHost.Logs;
using AiStack.AppHost.Orchestration;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Tests.AppHost;

/// <summary>The supervisor against real short-lived processes (sh scripts) with millisecond backoff.</summary>
public sealed class SupervisorTests : IDisposable
{
    private readonly string _folder = Infrastructure.TestDirectories.Create("supervisor");
    private readonly StringWriter _console = new();

    private ResourceSupervisor Supervisor(string script, int crashLoopThreshold = 3) => new(
        TestResources.Project("worker").Resource,
        new ShellLauncher(script, _folder),
        new SupervisorOptions
        {
            ReadyTimeout = TimeSpan.FromSeconds(10),
            StopGracePeriod = TimeSpan.FromSeconds(5),
            HealthCheckInterval = TimeSpan.FromMilliseconds(50),
            Restart = new RestartOptions
            {
                InitialDelay = TimeSpan.FromMilliseconds(20),
                MaxDelay = TimeSpan.FromMilliseconds(80),
                CrashLoopThreshold = crashLoopThreshold,
                CrashLoopWindow = TimeSpan.FromMinutes(1),
            },
        },
        TimeProvider.System,
        new ResourceConsole(_console, color: false),
        NullLogger.Instance);

    [Fact]
    public async Task A_crashed_process_is_restarted()
    {
        // Crashes on its first run only, then keeps running.
        var supervisor = Supervisor("if [ -f crashed ]; then echo ready; echo second run; exec sleep 60; else touch crashed; echo ready; sleep 0.2; echo boom >&2; exit 3; fi");
        await supervisor.StartAsync(CancellationToken.None);

        await WaitUntil(() => supervisor.Snapshot() is { State: ResourceState.Ready, RestartCount: 1 });
        var snapshot = supervisor.Snapshot();
        await supervisor.StopAsync();

        Assert.Equal(3, snapshot.ExitCode);
        Assert.Contains(snapshot.RecentErrors, e => e.Text == "boom");
        Assert.Contains(snapshot.RecentLogs, e => e.Text == "second run");
    }

    [Fact]
    public async Task A_process_that_keeps_crashing_ends_in_crash_loop_and_restarts_pause()
    {
        var supervisor = Supervisor("echo ready; sleep 0.2; exit 7", crashLoopThreshold: 3);
        await supervisor.StartAsync(CancellationToken.None);

        await WaitUntil(() => supervisor.State == ResourceState.CrashLoop);
        await Task.Delay(300);
        var snapshot = supervisor.Snapshot();

        Assert.Equal(ResourceState.CrashLoop, snapshot.State);
        Assert.Equal(2, snapshot.RestartCount);
        Assert.Null(snapshot.Pid);
        Assert.Contains(snapshot.RecentErrors, e => e.Text.Contains("crash loop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restart_by_hand_ends_a_crash_loop()
    {
        var supervisor = Supervisor("if [ -f fixed ]; then echo ready; exec sleep 60; else echo ready; sleep 0.2; exit 7; fi", crashLoopThreshold: 2);
        await supervisor.StartAsync(CancellationToken.None);
        await WaitUntil(() => supervisor.State == ResourceState.CrashLoop);

        await File.WriteAllTextAsync(Path.Combine(_folder, "fixed"), "");
        await supervisor.RestartAsync(CancellationToken.None);
        var snapshot = supervisor.Snapshot();
        await supervisor.StopAsync();

        Assert.Equal(ResourceState.Ready, snapshot.State);
        Assert.NotNull(snapshot.Pid);
    }

    [Fact]
    public async Task A_ready_resource_whose_probe_fails_is_Unhealthy_until_it_answers_again()
    {
        var supervisor = Supervisor("echo ready; exec sleep 60");
        await supervisor.StartAsync(CancellationToken.None);

        await File.WriteAllTextAsync(Path.Combine(_folder, "sick"), "");
        await WaitUntil(() => supervisor.State == ResourceState.Unhealthy);
        File.Delete(Path.Combine(_folder, "sick"));
        await WaitUntil(() => supervisor.State == ResourceState.Ready);
        var snapshot = supervisor.Snapshot();
        await supervisor.StopAsync();

        Assert.Equal(0, snapshot.RestartCount);
    }

    [Fact]
    public async Task Stopping_ends_the_process_and_does_not_count_as_a_crash()
    {
        var supervisor = Supervisor("echo ready; exec sleep 60");
        await supervisor.StartAsync(CancellationToken.None);
        var pid = supervisor.Pid!.Value;

        await supervisor.StopAsync();
        await Task.Delay(200);

        Assert.Equal(ResourceState.Stopped, supervisor.State);
        Assert.Equal(0, supervisor.Snapshot().RestartCount);
        Assert.False(Directory.Exists($"/proc/{pid}"));
    }

    [Fact]
    public async Task A_process_that_exits_before_it_is_ready_fails_the_start_with_its_last_lines()
    {
        var supervisor = Supervisor("echo cannot open the database >&2; exit 1");

        var error = await Assert.ThrowsAsync<ResourceStartException>(() => supervisor.StartAsync(CancellationToken.None));
        await supervisor.StopAsync();

        Assert.Contains("'worker' exited with code 1 before it was ready", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot open the database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_lines_are_prefixed_with_the_resource_name()
    {
        var console = new ResourceConsole(_console, color: false);
        console.Register("knowledgebase");

        console.Write("knowledgebase", new LogEntry(DateTimeOffset.UtcNow, "hello", false));

        Assert.Equal("knowledgebase | hello" + Environment.NewLine, _console.ToString());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 15 s");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        _console.Dispose();
        Infrastructure.TestDirectories.Delete(_folder);
    }

    /// <summary>Runs a shell script as the resource's process; ready once the script prints "ready".</summary>
    private sealed class ShellLauncher(string script, string folder) : IResourceLauncher
    {
        private RunningProcess? _process;
        private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string ReadinessDescription => "script running";

        public Task<RunningProcess> StartAsync(Action<string, bool> onLine, CancellationToken cancellationToken)
        {
            var info = LocalServerProcess.DetachedStartInfo(["/bin/sh", "-c", script]);
            info.WorkingDirectory = folder;
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            var ready = _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == "ready")
                {
                    ready.TrySetResult();
                }
                else if (e.Data is not null)
                {
                    onLine(e.Data, false);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    onLine(e.Data, true);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = new RunningProcess(process);
            return Task.FromResult(_process);
        }

        public Task WaitUntilReadyAsync(RunningProcess process, CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

        public Task<bool> ProbeAsync(CancellationToken cancellationToken) =>
            Task.FromResult(_process is { HasExited: false } && !File.Exists(Path.Combine(folder, "sick")));

        public Task StopAsync(RunningProcess process, TimeSpan grace) =>
            LocalServerProcess.StopAsync(process.Process, PosixSignalNumber.Terminate, grace);
    }
}
