using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>
/// The real AppHost started as a process (<c>dotnet AiStack.AppHost.dll</c>) with a home folder of its own and free ports, so it
/// never meets a developer's running stack. Its output is kept for failure messages.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppHostProcess(Process process, string home, IReadOnlyDictionary<string, int> ports)
    {
        _process = process;
        Home = home;
        Ports = ports;
        Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["apphost"]}"), Timeout = TimeSpan.FromSeconds(100) };
    }

    public string Home { get; }

    public IReadOnlyDictionary<string, int> Ports { get; }

    /// <summary>Client of the control API (no key set: add <see cref="ApiKey"/> per request or use <see cref="Authorized"/>).</summary>
    public HttpClient Control { get; }

    public int Pid => _process.Id;

    public string ApiKey => File.ReadAllText(Path.Combine(Home, "api-key")).Trim();

    /// <summary>A client of one of the stack's services on its port, sending the stack's key.</summary>
    public HttpClient ServiceClient(string resource)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Ports[resource]}"), Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string AssemblyPath => Path.Combine(
        Projects.AppHostBuild.ProjectDirectory, "bin", Projects.AppHostBuild.Configuration, "net10.0", "AiStack.AppHost.dll");

    /// <summary>Starts the AppHost; <paramref name="resources"/> are given free ports alongside the control API.</summary>
    public static AppHostProcess Start(string profile, IEnumerable<string> resources, params string[] extraArguments) =>
        StartWith(profile, Infrastructure.TestDirectories.Create("apphost-" + profile),
            resources.Append("apphost").ToDictionary(r => r, _ => LocalServerProcess.FreeTcpPort()), extraArguments);

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
        foreach (var argument in new[] { AppHostPath(), "--profile", profile, "--home", home }
                     .Concat(ports.Select(p => $"--Ports:{p.Key}={p.Value}"))
                     .Concat(extraArguments))
        {
            info.ArgumentList.Add(argument);
        }

        // The developer's own settings must not leak into the test's stack.
        info.Environment.Remove("ConnectionStrings__postgres");
        info.Environment.Remove("ConnectionStrings__redis");
        info.Environment.Remove("ConnectionStrings__qdrant");
        info.Environment.Remove("AISTACK_API_KEY");
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

    /// <summary>Waits until the AppHost's own /health/ready answers 200 (every resource Ready).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Control.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The AppHost was not ready within {timeout.TotalSeconds} s:\n{Output}");
    }

    public HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-API-Key", ApiKey);
        return request;
    }

    public async Task<JsonElement> GetResourceAsync(string name)
    {
        using var response = await Control.SendAsync(Authorized(HttpMethod.Get, $"/api/resources/{name}"));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<List<JsonElement>> GetResourcesAsync()
    {
        using var response = await Control.SendAsync(Authorized(HttpMethod.Get, "/api/resources"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!;
    }

    /// <summary>Waits until the resource's snapshot satisfies <paramref name="condition"/>; returns that snapshot.</summary>
    public async Task<JsonElement> WaitForResourceAsync(string name, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        JsonElement last = default;
        while (stopwatch.Elapsed < timeout)
        {
            last = await GetResourceAsync(name);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{name} did not reach the expected state within {timeout.TotalSeconds} s; last: {last}\n{Output}");
    }

    public void Signal(PosixSignalNumber signal) => Assert.True(SendSignal(_process.Id, (int)signal), "could not signal the AppHost");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SendSignal(_process.Id, (int)PosixSignalNumber.Terminate);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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
        Control.Dispose();
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

    public static bool IsAlive(int pid)
    {
        // A zombie (exited, not yet reaped) counts as gone.
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return false;
        }

        try
        {
            return !File.ReadAllLines(status).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z', StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static bool SendSignal(int pid, int signal) => Kill(pid, signal) == 0;
}
