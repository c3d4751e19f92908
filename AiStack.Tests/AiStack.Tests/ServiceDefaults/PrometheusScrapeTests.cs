using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AiStack.AppHost.Infrastructure;
using AiStack.ServiceDefaults.Resilience;
using AiStack.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>A real Prometheus server (Debian's <c>prometheus</c> package) scrapes a service's <c>/metrics</c>.</summary>
public sealed class PrometheusScrapeTests
{
    private const string Breaker = "odd \"name\"\nwith\\escapes";

    [Fact]
    public async Task A_real_prometheus_scrapes_metrics_and_reads_escaped_labels_back_exactly()
    {
        var prometheus = LocalServerProcess.FindExecutable("prometheus", "/usr/bin", "/usr/local/bin")
            ?? throw new InvalidOperationException(
                "This test needs a real Prometheus server: install it with `apt-get install -y --no-install-recommends prometheus`.");
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map, kestrel: true);
        service.Services.GetRequiredService<CircuitBreakerRegistry>().Register(Breaker, () => BreakerState.Open);
        var folder = TestDirectories.Create("prometheus");
        var port = LocalServerProcess.FreeTcpPort();
        await File.WriteAllTextAsync(Path.Combine(folder, "prometheus.yml"),
            $"global: {{ scrape_interval: 500ms, scrape_timeout: 400ms }}\n" +
            $"scrape_configs:\n  - job_name: service\n    static_configs: [ {{ targets: ['127.0.0.1:{service.Address.Port}'] }} ]\n");
        var info = LocalServerProcess.StartInfo(prometheus,
            [$"--config.file={folder}/prometheus.yml", $"--storage.tsdb.path={folder}/data", $"--web.listen-address=127.0.0.1:{port}"], null);
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        using var server = Process.Start(info)!;
        server.ErrorDataReceived += (_, _) => { };
        server.OutputDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

            var value = await QueryUntilPresentAsync(api, "aistack_circuit_breaker_state");

            Assert.Equal(Breaker, value.GetProperty("metric").GetProperty("name").GetString());
            Assert.Equal("2", value.GetProperty("value")[1].GetString());
            var target = JsonDocument.Parse(await api.GetStringAsync(new Uri("api/v1/targets", UriKind.Relative)))
                .RootElement.GetProperty("data").GetProperty("activeTargets")[0];
            Assert.Equal("up", target.GetProperty("health").GetString());
            Assert.Equal(string.Empty, target.GetProperty("lastError").GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            TestDirectories.Delete(folder);
        }
    }

    private static async Task<JsonElement> QueryUntilPresentAsync(HttpClient api, string query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await api.GetStringAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
                var results = JsonDocument.Parse(last).RootElement.GetProperty("data").GetProperty("result");
                if (results.GetArrayLength() > 0)
                {
                    return results[0].Clone();
                }
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException(string.Create(CultureInfo.InvariantCulture, $"Prometheus never returned {query}; last answer: {last}"));
    }
}
