using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>
/// A running AiStack AppHost as the tests talk to it: its home, its ports, its control API and its services, whether it runs in
/// the test process (<see cref="AspireStack"/>, Aspire.Hosting.Testing) or as a process of its own (<see cref="AppHostProcess"/>).
/// </summary>
public abstract class StackHost : IAsyncDisposable
{
    protected StackHost(string home, IReadOnlyDictionary<string, int> ports)
    {
        Home = home;
        Ports = ports;
        Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["apphost"]}"), Timeout = TimeSpan.FromSeconds(300) };
    }

    public string Home { get; }

    public IReadOnlyDictionary<string, int> Ports { get; }

    /// <summary>Client of the control API (no key set: add <see cref="ApiKey"/> per request or use <see cref="Authorized"/>).</summary>
    public HttpClient Control { get; }

    public string ApiKey => File.ReadAllText(Path.Combine(Home, "api-key")).Trim();

    /// <summary>What the AppHost printed (a process) or what its resources logged (in the test process), for failure messages.</summary>
    public abstract string Output { get; }

    /// <summary>A client of one of the stack's services on its port, sending the stack's key.</summary>
    public HttpClient ServiceClient(string resource)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Ports[resource]}"), Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    /// <summary>Waits until the AppHost's own /health/ready answers 200 (every resource Ready).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            ThrowIfEnded();
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

            await Task.Delay(200);
        }

        throw new TimeoutException($"The AppHost was not ready within {timeout.TotalSeconds} s; resources: {await ResourceStatesAsync()}\n{Output}");
    }

    /// <summary>Each resource's state, health, process and restarts as the control API sees them, for a failure message.</summary>
    private async Task<string> ResourceStatesAsync()
    {
        try
        {
            return string.Join("; ", (await GetResourcesAsync()).Select(r =>
                $"{r.GetProperty("name")} {r.GetProperty("state")} health {r.GetProperty("health")} pid {r.GetProperty("pid")} restarts {r.GetProperty("restart_count")} ({r.GetProperty("state_reason")})"));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return "control API unreachable: " + ex.Message;
        }
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

            await Task.Delay(200);
        }

        throw new TimeoutException($"{name} did not reach the expected state within {timeout.TotalSeconds} s; last: {last}\n{Output}");
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>Throws with the output when the AppHost has ended on its own.</summary>
    protected virtual void ThrowIfEnded()
    {
    }

    protected void DisposeClients() => Control.Dispose();

    /// <summary>Running; a zombie (exited, not yet reaped) counts as gone.</summary>
    public static bool IsAlive(int pid) => ProcessTree.IsAlive(pid);

    /// <summary>Every process below <paramref name="pid"/> (children, grandchildren ...), from /proc.</summary>
    public static List<int> DescendantsOf(int pid) => ProcessTree.DescendantsOf(pid);

    /// <summary>The pids of every process whose command line contains <paramref name="text"/>.</summary>
    public static List<int> ProcessesWithCommandLine(string text) => ProcessTree.WithCommandLine(text);
}
