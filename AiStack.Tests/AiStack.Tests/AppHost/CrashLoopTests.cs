using System.Net.Http.Json;
using System.Text.Json;
using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>A server that cannot start: restarted with backoff, then reported as a crash loop, and brought back by hand.</summary>
public sealed class CrashLoopTests
{
    [Fact]
    public async Task A_server_that_keeps_crashing_is_a_crash_loop_its_dependents_wait_and_a_restart_by_hand_ends_it()
    {
        var home = Infrastructure.TestDirectories.Create("apphost-crashloop");
        var pgdata = Path.Combine(home, "postgres", "pgdata");
        Directory.CreateDirectory(pgdata);
        // A data folder of a PostgreSQL version this machine does not have: the server exits at once, every time.
        await File.WriteAllTextAsync(Path.Combine(pgdata, "PG_VERSION"), "7\n");
        var ports = StackResources.Full.Append("apphost").ToDictionary(r => r, _ => LocalServerProcess.FreeTcpPort());
        await using var host = AppHostProcess.StartWith("full", home, ports,
            "--AppHost:Restart:InitialDelay=00:00:00.200", "--AppHost:Restart:MaxDelay=00:00:01", "--AppHost:Restart:CrashLoopThreshold=3");

        var postgres = await WaitUntilListedAsync(host, "postgres", r => r.GetProperty("state").GetString() == "CrashLoop", TimeSpan.FromSeconds(180));

        Assert.Contains("crash loop: 3 crashes", postgres.GetProperty("state_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, postgres.GetProperty("restart_count").GetInt32());
        Assert.NotEqual(0, postgres.GetProperty("exit_code").GetInt32());
        Assert.Contains(postgres.GetProperty("recent_errors").EnumerateArray(), e => e.GetProperty("text").GetString()!.Contains("FATAL", StringComparison.Ordinal));
        Assert.Contains(postgres.GetProperty("recent_errors").EnumerateArray(), e => e.GetProperty("text").GetString()!.Contains("crash loop", StringComparison.Ordinal));
        var knowledgebase = await host.GetResourceAsync("knowledgebase");
        Assert.Equal("Pending", knowledgebase.GetProperty("state").GetString());
        Assert.Contains("postgres", knowledgebase.GetProperty("waits_for").EnumerateArray().Select(w => w.GetString()));

        // Mend the data folder (the init step creates a new one) and restart by hand: the loop ends and the stack comes up.
        Directory.Delete(pgdata, recursive: true);
        using var restart = await host.Control.SendAsync(host.Authorized(HttpMethod.Post, "/api/resources/postgres/restart"));
        var body = await restart.Content.ReadAsStringAsync();
        Assert.True(restart.IsSuccessStatusCode, body);
        var after = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Ready", after.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("state_reason").ValueKind);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(240));
    }

    private static async Task<JsonElement> WaitUntilListedAsync(StackHost host, string name, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                return await host.WaitForResourceAsync(name, condition, deadline - DateTime.UtcNow);
            }
            catch (HttpRequestException)
            {
                // The control API is not up yet.
                await Task.Delay(500);
            }
        }

        throw new TimeoutException($"{name} did not reach the expected state:\n{host.Output}");
    }
}
