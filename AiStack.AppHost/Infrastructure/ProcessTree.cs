using System.Globalization;

namespace AiStack.AppHost.Infrastructure;

/// <summary>
/// The machine's processes as /proc shows them: parents, children, command lines. A process's children are read from every
/// process's parent pid, not from <c>/proc/{pid}/task/{pid}/children</c>, which lists only the children that the main thread
/// started (DCP is a Go program: any of its threads may start a service).
/// </summary>
public static class ProcessTree
{
    /// <summary>Every live process below <paramref name="pid"/> (children, grandchildren ...).</summary>
    public static List<int> DescendantsOf(int pid)
    {
        var children = ChildrenByParent();
        var found = new List<int>();
        var pending = new Queue<int>();
        pending.Enqueue(pid);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                found.Add(child);
                pending.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>The direct children of <paramref name="pid"/>.</summary>
    public static List<int> ChildrenOf(int pid) => ChildrenByParent().GetValueOrDefault(pid) ?? [];

    /// <summary>The pids of every live process whose command line (arguments joined by spaces) contains <paramref name="text"/>.</summary>
    public static List<int> WithCommandLine(string text) =>
        Pids().Where(pid => CommandLine(pid).Contains(text, StringComparison.Ordinal) && IsAlive(pid)).ToList();

    /// <summary>Its arguments joined by spaces; empty when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Running (a zombie, ended but not yet reaped, is not).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z', StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static IEnumerable<int> Pids()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static Dictionary<int, List<int>> ChildrenByParent()
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var pid in Pids())
        {
            if (ParentOf(pid) is { } parent)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
        }

        return children;
    }

    /// <summary>The fourth field of /proc/{pid}/stat; the second (the name in parentheses) may hold spaces, so fields count from its end.</summary>
    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
