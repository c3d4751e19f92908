using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace AiStack.ServiceDefaults.Metrics;

/// <summary>One Prometheus metric family: its name, help, type and a series per distinct label set.</summary>
public sealed class MetricFamily
{
    private readonly ConcurrentDictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);

    public MetricFamily(string name, string help, MetricKind kind, IReadOnlyList<double>? bucketBounds = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Help = help ?? string.Empty;
        Kind = kind;
        BucketBounds = kind == MetricKind.Histogram
            ? (bucketBounds ?? []).Where(bound => !double.IsNaN(bound) && !double.IsPositiveInfinity(bound)).Distinct().Order().ToArray()
            : [];
    }

    public string Name { get; }
    public string Help { get; }
    public MetricKind Kind { get; }
    public IReadOnlyList<double> BucketBounds { get; }

    /// <summary>The series for these labels (name/value pairs, in any order), created on first use.</summary>
    public MetricSeries Series(IEnumerable<KeyValuePair<string, string>> labels) =>
        Series(RenderLabels(labels));

    internal MetricSeries Series(string renderedLabels) =>
        _series.GetOrAdd(renderedLabels, static (labels, family) => new MetricSeries(labels, family.BucketBounds.Count), this);

    internal void Clear() => _series.Clear();

    internal bool IsEmpty => _series.IsEmpty;

    /// <summary>Labels sorted by name and escaped, ready to go between braces; one rendering per label set.</summary>
    public static string RenderLabels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var builder = new StringBuilder();
        string? previous = null;
        foreach (var label in labels.OrderBy(label => label.Key, StringComparer.Ordinal))
        {
            // A repeated label name would make the whole scrape invalid; the first one wins.
            if (label.Key == previous)
            {
                continue;
            }

            previous = label.Key;
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(PrometheusNaming.LabelName(label.Key)).Append("=\"")
                .Append(PrometheusNaming.EscapeLabelValue(label.Value ?? string.Empty)).Append('"');
        }

        return builder.ToString();
    }

    /// <summary>Writes the family in text exposition format 0.0.4: HELP and TYPE once, then every series.</summary>
    public void WriteTo(StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_series.IsEmpty)
        {
            return;
        }

        output.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusNaming.EscapeHelp(Help)).Append('\n');
        output.Append("# TYPE ").Append(Name).Append(' ').Append(Kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        }).Append('\n');

        foreach (var series in _series.Values.OrderBy(series => series.Labels, StringComparer.Ordinal))
        {
            var snapshot = series.Read();
            if (Kind != MetricKind.Histogram)
            {
                Sample(output, Name, series.Labels, null, snapshot.Value);
                continue;
            }

            long cumulative = 0;
            for (var bucket = 0; bucket < BucketBounds.Count; bucket++)
            {
                cumulative += snapshot.Buckets[bucket];
                Sample(output, Name + "_bucket", series.Labels, PrometheusNaming.FormatValue(BucketBounds[bucket]), cumulative);
            }

            Sample(output, Name + "_bucket", series.Labels, "+Inf", snapshot.Count);
            Sample(output, Name + "_sum", series.Labels, null, snapshot.Sum);
            Sample(output, Name + "_count", series.Labels, null, snapshot.Count);
        }
    }

    private static void Sample(StringBuilder output, string name, string labels, string? le, double value)
    {
        output.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{').Append(labels);
            if (le is not null)
            {
                output.Append(labels.Length > 0 ? ",le=\"" : "le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(PrometheusNaming.FormatValue(value)).Append('\n');
    }
}

/// <summary>One time series: a sum or last value, or a histogram's bucket counts, sum and count.</summary>
public sealed class MetricSeries
{
    private readonly Lock _lock = new();
    private readonly long[] _buckets;
    private double _value;
    private double _sum;
    private long _count;

    internal MetricSeries(string labels, int bucketCount)
    {
        Labels = labels;
        _buckets = new long[bucketCount];
    }

    public string Labels { get; }

    public void Add(double delta)
    {
        lock (_lock)
        {
            _value += delta;
        }
    }

    public void Set(double value)
    {
        lock (_lock)
        {
            _value = value;
        }
    }

    /// <summary>Counts a histogram observation in the first bucket whose upper bound is at or above it (Prometheus' <c>le</c>).</summary>
    public void Observe(double value, IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        var bucket = 0;
        while (bucket < bounds.Count && value > bounds[bucket])
        {
            bucket++;
        }

        lock (_lock)
        {
            if (bucket < _buckets.Length)
            {
                _buckets[bucket]++;
            }

            _sum += value;
            _count++;
        }
    }

    internal (double Value, long[] Buckets, double Sum, long Count) Read()
    {
        lock (_lock)
        {
            return (_value, (long[])_buckets.Clone(), _sum, _count);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{{{Labels}}} {_value}");
}
