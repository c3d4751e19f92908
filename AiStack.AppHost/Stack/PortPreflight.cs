using System.Globalization;
using AiStack.AppHost.Infrastructure;
using AiStack.AppHost.Supervision;

namespace AiStack.AppHost.Stack;

/// <summary>
/// Checks the stack's fixed ports before anything starts: a service that cannot bind its port would otherwise only crash again and
/// again. The message names the resource and the setting that moves it.
/// </summary>
public static class PortPreflight
{
    public static IEnumerable<(string Name, int Port)> DeclaredPorts(IDistributedApplicationBuilder builder, StackOptions stack)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        foreach (var resource in builder.Resources.Where(r => r.Annotations.OfType<SupervisedAnnotation>().Any()))
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                if ((endpoint.Port ?? endpoint.TargetPort) is { } port)
                {
                    yield return (resource.Name, port);
                }
            }
        }

        yield return ("apphost", stack.ControlPort);
    }

    public static IReadOnlyList<string> FindProblems(IEnumerable<(string Name, int Port)> ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var problems = new List<string>();
        foreach (var group in ports.GroupBy(p => p.Port))
        {
            var names = group.Select(p => p.Name).ToList();
            var port = group.Key.ToString(CultureInfo.InvariantCulture);
            if (names.Count > 1)
            {
                problems.Add($"port {port} is given to {string.Join(" and ", names)}: set Ports__{names[1]}=<another port>");
            }
            else if (LocalServerProcess.IsPortInUse(group.Key))
            {
                problems.Add($"port {port} for {names[0]} is in use: stop what uses it or set Ports__{names[0]}=<another port>");
            }
        }

        return problems;
    }
}
