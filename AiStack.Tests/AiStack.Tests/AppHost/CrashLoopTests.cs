using System.Text.Json;
using AiStack.AppHost.Infrastructure;

namespace AiStack.Tests.AppHost;

/// <summary>A service that cannot start: restarted with backoff, then reported as a crash loop, and brought back by hand.</summary>
public sealed class CrashLoopTests
{
    [Fact]
    public async Task A_service_that_keeps_crashing_is_a_crash_loop_its_dependents_wait_and_a_restart_by_hand_ends_it()
    {
        var home = Infrastructure.TestDirectories.Create("apphost-crashloop");
        var data = Path.Combine(home, "data");
        Directory.CreateDirectory(data);
        // Not a SQLite file: the KnowledgeBase stops at start-up, every time, until the file is moved away.
        var database = Path.Combine(data, "knowledgebase.db");
        await File.WriteAllBytesAsync(database, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 13 % 251))]);
        var ports = LocalServerProcess.FreeTcpPorts(StackResources.Embedded.Append("apphost"));
        await using var host = AppHostProcess.StartWith("embedded", home, ports,
            "--AppHost:Restart:InitialDelay=00:00:00.200", "--AppHost:Restart:MaxDelay=00:00:01", "--AppHost:Restart:CrashLoopThreshold=3");

        var knowledgebase = await WaitUntilListedAsync(host, "knowledgebase", r => r.GetProperty("state").GetString() == "CrashLoop", TimeSpan.FromSeconds(240));

        Assert.Contains("crash loop: 3 crashes", knowledgebase.GetProperty("state_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, knowledgebase.GetProperty("restart_count").GetInt32());
        Assert.NotEqual(0, knowledgebase.GetProperty("exit_code").GetInt32());
        var errors = knowledgebase.GetProperty("recent_errors").EnumerateArray().Select(e => e.GetProperty("text").GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains("file is not a database", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("crash loop", StringComparison.Ordinal));
        var coordinator = await host.GetResourceAsync("coordinator");
        Assert.Equal("Pending", coordinator.GetProperty("state").GetString());
        Assert.Contains("knowledgebase", coordinator.GetProperty("waits_for").EnumerateArray().Select(w => w.GetString()));

        // Mend it (move the file away: the service creates a new one) and restart by hand: the loop ends and the stack comes up.
        File.Move(database, database + ".broken");
        using var restart = await host.Control.SendAsync(host.Authorized(HttpMethod.Post, "/api/resources/knowledgebase/restart"));
        var body = await restart.Content.ReadAsStringAsync();
        Assert.True(restart.IsSuccessStatusCode, body);
        var after = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Ready", after.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("state_reason").ValueKind);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(240));
    }

    /// <summary>Waits through the AppHost's own start: the control API and the key file appear a moment after the process.</summary>
    private static async Task<JsonElement> WaitUntilListedAsync(StackHost host, string name, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                return await host.WaitForResourceAsync(name, condition, deadline - DateTime.UtcNow);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                await Task.Delay(500);
            }
        }

        throw new TimeoutException($"{name} did not reach the expected state:\n{host.Output}");
    }
}
