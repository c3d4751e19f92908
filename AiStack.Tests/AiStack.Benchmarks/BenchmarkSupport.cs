namespace AiStack.Benchmarks;

/// <summary>What every benchmark command needs: its options and percentiles of its timings.</summary>
internal static class BenchmarkSupport
{
    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static string Option(string[] args, string name, string fallback) => Option(args, name) ?? fallback;

    public static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>A comma-separated list of integers after <paramref name="name"/>, e.g. <c>--vectors 100000,1000000</c>.</summary>
    public static List<int> IntList(string[] args, string name, string fallback) =>
        Option(args, name, fallback).Split(',').Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>Nearest-rank percentile of already sorted values (0 for none).</summary>
    public static double Percentile(List<double> sorted, int percentile) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
}
