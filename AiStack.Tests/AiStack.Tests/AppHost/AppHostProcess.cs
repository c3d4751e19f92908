using System.Diagnostics;
using System.Reflection;
using System.Text;
using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>
/// The real AppHost started as a process (<c>dotnet AiStack.AppHost.dll</c>) with a home folder of its own and free ports, so it
/// never meets a developer's running stack; the Aspire dashboard is off unless a test asks for it. Its output is kept for failure
/// messages. For what only a process can show: signals, exit codes, what is left after it ends.
/// </summary>
public sealed class AppHostProcess : StackHost
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppHostProcess(Process process, string home, IReadOnlyDictionary<string, int> ports)
        : base(home, ports)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public override string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The built AppHost beside the tests' own build (same configuration).</summary>
    public static string AssemblyPath => Built(Projects.AiStack_AppHost.ProjectPath, "AiStack.AppHost");

    /// <summary>The assembly a service project builds in the tests' configuration (Aspire's Projects classes name the project file).</summary>
    public static string BuiltAssembly(Aspire.Hosting.IProjectMetadata project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return Built(Path.GetDirectoryName(project.ProjectPath)!, Path.GetFileNameWithoutExtension(project.ProjectPath));
    }

    private static string Built(string projectDirectory, string name)
    {
        var configuration = typeof(AppHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        return Path.Combine(projectDirectory, "bin", configuration, "net10.0", name + ".dll");
    }

    /// <summary>Starts the AppHost; <paramref name="resources"/> are given free ports alongside the control API.</summary>
    public static AppHostProcess Start(string profile, IEnumerable<string> resources, params string[] extraArguments) =>
        StartWith(profile, Infrastructure.TestDirectories.Create("apphost-" + profile),
            LocalServerProcess.FreeTcpPorts(resources.Append("apphost")), extraArguments);

    /// <summary>Starts an AppHost on a given home and ports (a second AppHost on the same stack).</summary>
    public static AppHostProcess StartWith(string profile, string home, IReadOnlyDictionary<string, int> ports, params string[] extraArguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        var dashboard = extraArguments.Any(a => a.StartsWith("--ASPNETCORE_URLS=", StringComparison.Ordinal)) ? [] : new[] { "--no-dashboard" };
        foreach (var argument in new[] { AppHostPath(), "--profile", profile, "--home", home }
                     .Concat(ports.Select(p => $"--Ports:{p.Key}={p.Value}"))
                     .Concat(dashboard)
                     .Concat(extraArguments))
        {
            info.ArgumentList.Add(argument);
        }

        // The developer's own settings must not leak into the test's stack.
        info.Environment.Remove("ConnectionStrings__postgres");
        info.Environment.Remove("ConnectionStrings__redis");
        info.Environment.Remove("ConnectionStrings__qdrant");
        info.Environment.Remove("AISTACK_API_KEY");
        info.Environment.Remove("ASPNETCORE_URLS");
        // No HTTPS developer certificate on these machines (the launch profile sets the same).
        info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        var process = Process.Start(info)!;
        var host = new AppHostProcess(process, home, ports);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private static string AppHostPath() => File.Exists(AssemblyPath)
        ? AssemblyPath
        : throw new InvalidOperationException($"{AssemblyPath} is missing: build the tests (which build the AppHost) first.");

    protected override void ThrowIfEnded()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"The AppHost exited with code {_process.ExitCode}:\n{Output}");
        }
    }

    public void Signal(PosixSignalNumber signal) => Assert.True(SendSignal(_process.Id, (int)signal), "could not signal the AppHost");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SendSignal(_process.Id, (int)PosixSignalNumber.Terminate);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        DisposeClients();
        Infrastructure.TestDirectories.Delete(Home);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static bool SendSignal(int pid, int signal) => Kill(pid, signal) == 0;
}
