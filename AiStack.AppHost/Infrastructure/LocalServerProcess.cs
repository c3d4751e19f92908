using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace AiStack.AppHost.Infrastructure;

/// <summary>
/// Shared plumbing for servers the stack starts from the machine's own binaries (PostgreSQL, Redis):
/// locating executables, dropping root, generating secrets, and stopping the process cleanly.
/// </summary>
public static class LocalServerProcess
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>The first existing path among the candidates, or null.</summary>
    public static string? FindExecutable(string name, params string[] candidateDirectories)
    {
        foreach (var dir in candidateDirectories.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')))
        {
            if (string.IsNullOrEmpty(dir))
            {
                continue;
            }

            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// A start description that runs the executable directly, or through setpriv as <paramref name="runAsUser"/> when we are root
    /// (PostgreSQL refuses to run as root). setpriv execs in place, so signals reach the server itself.
    /// </summary>
    public static ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments, string? runAsUser)
    {
        var command = new List<string>();
        if (runAsUser is not null && IsRoot)
        {
            command.AddRange(["setpriv", $"--reuid={runAsUser}", $"--regid={runAsUser}", "--init-groups", "--"]);
        }

        command.Add(executable);
        command.AddRange(arguments);
        return DetachedStartInfo(command);
    }

    /// <summary>
    /// Runs the command in a session of its own (through setsid, which execs in place so the pid is the server's): a Ctrl+C in the
    /// terminal then reaches only the AppHost or test runner, which stops its children in order instead of all at once.
    /// </summary>
    public static ProcessStartInfo DetachedStartInfo(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var setsid = FindExecutable("setsid", "/usr/bin", "/bin");
        var info = new ProcessStartInfo(setsid ?? command[0]);
        foreach (var a in setsid is null ? command.Skip(1) : command)
        {
            info.ArgumentList.Add(a);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return info;
    }

    /// <summary>Runs a command to completion and returns its combined output, throwing with that output on failure.</summary>
    public static async Task<string> RunToCompletionAsync(ProcessStartInfo info, CancellationToken cancellationToken)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(info.FileName)} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {output.Trim()}");
        }

        return output;
    }

    /// <summary>A server password from its file (mode 0600 checked, empty refused), or a new one stored with mode 0600 on first use.</summary>
    public static string ReadOrCreateSecret(string path) =>
        AiStack.ServiceDefaults.Security.SecretFile.ReadOrCreate(path, () => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant(), "password");

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A free port for each name, all different: every listener stays open until all are chosen (one <see cref="FreeTcpPort"/>
    /// after another may hand out the same port twice).
    /// </summary>
    public static Dictionary<string, int> FreeTcpPorts(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var listeners = new List<TcpListener>();
        try
        {
            var ports = new Dictionary<string, int>();
            foreach (var name in names)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
                ports[name] = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            return ports;
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public static bool IsPortInUse(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Asks the process to stop with <paramref name="signal"/>, waits, then kills it.</summary>
    public static async Task StopAsync(Process process, PosixSignalNumber signal, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = NativeSignals.Send(process.Id, (int)signal);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}

public enum PosixSignalNumber
{
    Interrupt = 2,
    Kill = 9,
    Terminate = 15,
}

public static partial class NativeSignals
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;
}
