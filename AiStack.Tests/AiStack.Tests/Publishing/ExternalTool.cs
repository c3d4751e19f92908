using System.Diagnostics;

namespace AiStack.Tests.Publishing;

/// <summary>A command-line tool the publishing tests run for real (kubectl, promtool, dotnet msbuild, /bin/sh).</summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public string All => Output + Errors;
    }

    /// <summary>The tool's path, or a failure that says how to install it.</summary>
    public static string Require(string name, string install)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin")
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
        return path ?? throw new InvalidOperationException($"This test needs `{name}`: {install}");
    }

    /// <summary>The bin folder of the newest installed PostgreSQL that has <paramref name="tool"/> (pg_dump, psql, ...).</summary>
    public static string PostgresBin(string tool) =>
        Directory.GetDirectories("/usr/lib/postgresql").Order(StringComparer.Ordinal).Select(version => Path.Combine(version, "bin")).LastOrDefault(bin => File.Exists(Path.Combine(bin, tool)))
        ?? throw new InvalidOperationException($"This test needs PostgreSQL's {tool}: apt-get install -y postgresql.");

    public static async Task<Result> RunAsync(string tool, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', info.ArgumentList)} did not finish in time.");
        }

        return new Result(process.ExitCode, await output, await errors);
    }
}
