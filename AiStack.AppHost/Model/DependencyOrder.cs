namespace AiStack.AppHost.Model;

/// <summary>Orders resources so that each comes after everything it waits for.</summary>
public static class DependencyOrder
{
    /// <summary>
    /// A topological order of <paramref name="resources"/> (stable: declaration order among equals). Waits on resources outside the
    /// list (not part of this run) are ignored. A cycle is a configuration error that names the resources in it.
    /// </summary>
    public static IReadOnlyList<Resource> Sort(IReadOnlyList<Resource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var included = new HashSet<Resource>(resources);
        var remaining = resources.ToDictionary(r => r, r => r.WaitsFor.Count(included.Contains));
        var order = new List<Resource>(resources.Count);
        while (order.Count < resources.Count)
        {
            var next = resources.FirstOrDefault(r => remaining.TryGetValue(r, out var count) && count == 0)
                ?? throw new StackConfigurationException($"Dependency cycle: {DescribeCycle(resources.Where(remaining.ContainsKey).ToList())}.");
            remaining.Remove(next);
            order.Add(next);
            foreach (var dependent in resources.Where(r => remaining.ContainsKey(r) && r.WaitsFor.Contains(next)))
            {
                remaining[dependent]--;
            }
        }

        return order;
    }

    private static string DescribeCycle(List<Resource> stuck)
    {
        // Walk wait edges inside the stuck set until a resource repeats: that stretch is a cycle.
        var path = new List<Resource> { stuck[0] };
        while (true)
        {
            var next = path[^1].WaitsFor.First(stuck.Contains);
            var seen = path.IndexOf(next);
            if (seen >= 0)
            {
                return string.Join(" -> ", path.Skip(seen).Append(next).Select(r => r.Name));
            }

            path.Add(next);
        }
    }
}
