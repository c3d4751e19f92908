using System.Globalization;
using AiStack.AppHost.Infrastructure;

namespace AiStack.AppHost.Orchestration;

/// <summary>
/// Remembers the pid of every child in <c>&lt;home&gt;/run/&lt;name&gt;.pid</c> (with the process's start time, so a reused pid is
/// never mistaken for ours). Children live in sessions of their own, so an AppHost killed with SIGKILL leaves them running; the next
/// AppHost stops those leftovers before it checks its ports.
/// </summary>
public sealed class LeftoverProcesses
{
    private readonly string _folder;

    public LeftoverProcesses(string home)
    {
        _folder = Path.Combine(home, "run");
    }

    /// <summary>
    /// Takes the home folder for this AppHost (an exclusive lock the kernel releases when the process dies, however it dies), so two
    /// AppHosts never share a home and leftovers are only ever cleaned by the one owner. Null when another AppHost holds it.
    /// </summary>
    public static FileStream? TryLockHome(string home)
    {
        var folder = Path.Combine(home, "run");
        Directory.CreateDirectory(folder);
        try
        {
            return new FileStream(Path.Combine(folder, "apphost.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Record(string name, int pid)
    {
        if (StartTime(pid) is not { } started)
        {
            return;
        }

        Directory.CreateDirectory(_folder);
        File.WriteAllText(PidFile(name), $"{pid.ToString(CultureInfo.InvariantCulture)} {started.ToString(CultureInfo.InvariantCulture)}\n");
    }

    public void Forget(string name) => File.Delete(PidFile(name));

    /// <summary>Stops every recorded process that still runs (SIGTERM, grace, kill) and returns what it stopped.</summary>
    public async Task<IReadOnlyList<string>> StopAllAsync(TimeSpan grace)
    {
        var stopped = new List<string>();
        if (!Directory.Exists(_folder))
        {
            return stopped;
        }

        foreach (var file in Directory.GetFiles(_folder, "*.pid"))
        {
            var parts = (await File.ReadAllTextAsync(file)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) &&
                long.TryParse(parts[1], CultureInfo.InvariantCulture, out var started) && StartTime(pid) == started)
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                await LocalServerProcess.StopAsync(process, PosixSignalNumber.Terminate, grace);
                stopped.Add($"{Path.GetFileNameWithoutExtension(file)} (pid {pid})");
            }

            File.Delete(file);
        }

        return stopped;
    }

    private string PidFile(string name) => Path.Combine(_folder, name + ".pid");

    /// <summary>Field 22 of /proc/pid/stat: when the process started, in clock ticks since boot.</summary>
    internal static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces and parentheses; the fields after it start past the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
