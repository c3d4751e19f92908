using AiStack.AppHost.Infrastructure;

namespace AiStack.AppHost.Orchestration;

/// <summary>Checks, before anything starts, that every fixed port is free and used once, with a message that says how to fix it.</summary>
public static class PortPreflight
{
    public static IReadOnlyList<string> FindProblems(IEnumerable<(string Name, int Port)> ports, Func<int, bool>? isInUse = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        isInUse ??= LocalServerProcess.IsPortInUse;
        var problems = new List<string>();
        var list = ports.ToList();
        foreach (var duplicate in list.GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            problems.Add($"port {duplicate.Key} is configured for {string.Join(" and ", duplicate.Select(p => p.Name))}: " +
                         $"give each its own (Ports__{duplicate.Last().Name}=...)");
        }

        foreach (var (name, port) in list.DistinctBy(p => p.Port))
        {
            if (port is < 1 or > 65535)
            {
                problems.Add($"port {port} for {name} is not a valid TCP port: set Ports__{name} to a number from 1 to 65535");
            }
            else if (isInUse(port))
            {
                problems.Add(InUseMessage(name, port));
            }
        }

        return problems;
    }

    public static string InUseMessage(string name, int port) =>
        $"port {port} for {name} is in use: stop what uses it or set Ports__{name}=<another port> (or --Ports:{name}=<another port>)";
}
