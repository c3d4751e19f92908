using System.Diagnostics;

namespace AiStack.AppHost.Publishing;

/// <summary>
/// The app model's Aspire manifest: this AppHost run again with <c>--publisher manifest</c> (Aspire builds the model, writes the
/// manifest and exits without starting anything), so `publish` always reads the model as AppHost.cs declares it now.
/// </summary>
public static class AppHostManifest
{
    public static async Task<string> WriteAsync(string path, TimeSpan timeout)
    {
        var host = Environment.ProcessPath ?? throw new PublishException("Cannot tell which program this AppHost runs as.");
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as `dotnet AiStack.AppHost.dll`: run the same assembly.
            info.ArgumentList.Add(typeof(AppHostManifest).Assembly.Location);
        }

        foreach (var argument in (string[])["--publisher", "manifest", "--output-path", path])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new PublishException($"Could not start {host}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new PublishException($"The AppHost did not write its manifest within {timeout.TotalSeconds:0} s.");
        }

        if (process.ExitCode != 0 || !File.Exists(path))
        {
            var log = (await output + await errors).Trim();
            throw new PublishException($"The AppHost failed to write its manifest (exit code {process.ExitCode}): {log[Math.Max(0, log.Length - 2000)..]}");
        }

        return path;
    }
}
