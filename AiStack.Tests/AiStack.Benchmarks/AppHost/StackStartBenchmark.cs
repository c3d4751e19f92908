using System.Diagnostics;
using System.Globalization;
using AiStack.AppHost.Infrastructure;
using static AiStack.Benchmarks.BenchmarkSupport;

namespace AiStack.Benchmarks.AppHost;

/// <summary>
/// The built AppHost (Aspire: DCP, the dashboard, every service) from launch until its control API says every resource is healthy,
/// then the idle memory of the whole stack: the AppHost, DCP and everything DCP runs, as the sum of RSS and of PSS (RSS counts the
/// pages that processes share once per process; PSS splits them).
/// </summary>
public static class StackStartBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var profile = Option(args, "--profile", "embedded");
        var runs = int.Parse(Option(args, "--runs", "1"), CultureInfo.InvariantCulture);
        var idle = TimeSpan.FromSeconds(double.Parse(Option(args, "--idle-seconds", "15"), CultureInfo.InvariantCulture));
        var appHost = Path.Combine(RepositoryRoot(), "AiStack.AppHost", "bin", "Release", "net10.0", "AiStack.AppHost.dll");
        if (!File.Exists(appHost))
        {
            Console.Error.WriteLine($"{appHost} is missing: dotnet build AiStack.AppHost -c Release first.");
            return 1;
        }

        Console.WriteLine($"| run | profile | launch to every resource healthy | idle RSS sum | idle PSS sum | processes |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        for (var run = 1; run <= runs; run++)
        {
            var home = Directory.CreateTempSubdirectory("aistack-bench-").FullName;
            var ports = LocalServerProcess.FreeTcpPorts(["knowledgebase", "coordinator", "learning", "ralph", "dashboard", "apphost", "postgres", "redis"]);
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { appHost, "--profile", profile, "--home", home }
                         .Concat(ports.Select(p => $"--Ports:{p.Key}={p.Value}"))
                         .Concat([
                             $"--ASPNETCORE_URLS=http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}",
                             $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}",
                             $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}",
                         ]))
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["apphost"]}"), Timeout = TimeSpan.FromSeconds(5) };
            while (stopwatch.Elapsed < TimeSpan.FromMinutes(10))
            {
                try
                {
                    using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                await Task.Delay(100);
            }

            var started = stopwatch.Elapsed;
            await Task.Delay(idle);
            var pids = StackProcesses(process.Id);
            var (rss, pss) = Memory(pids);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run} | {profile} | {started.TotalSeconds:0.00} s | {rss / 1048576.0:0} MiB | {pss / 1048576.0:0} MiB | {pids.Count} |"));
            _ = NativeSignals.Send(process.Id, (int)PosixSignalNumber.Terminate);
            await process.WaitForExitAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // A server still writing its last file; the temporary folder goes with the next clean-up.
            }
        }

        return 0;
    }

    /// <summary>The AppHost, DCP (started with <c>--monitor {pid}</c>, outside the AppHost's tree) and every descendant of either.</summary>
    private static List<int> StackProcesses(int appHost)
    {
        var roots = ProcessTree.WithCommandLine($"--monitor {appHost} ").Prepend(appHost);
        return roots.SelectMany(root => ProcessTree.DescendantsOf(root).Prepend(root)).Distinct().ToList();
    }

    private static (long Rss, long Pss) Memory(IEnumerable<int> pids)
    {
        long rss = 0, pss = 0;
        foreach (var pid in pids)
        {
            foreach (var line in ReadOrEmpty($"/proc/{pid}/smaps_rollup").Split('\n'))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    rss += Kilobytes(line) * 1024;
                }
                else if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pss += Kilobytes(line) * 1024;
                }
            }
        }

        return (rss, pss);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AiStack.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? Directory.GetCurrentDirectory();
    }
}
