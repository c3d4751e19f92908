using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using AiStack.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;

namespace AiStack.ServiceDefaults.Metrics;

/// <summary>
/// Listens to this service's meters (ASP.NET Core hosting, Kestrel, HttpClient, runtime and every <c>AiStack.*</c> meter) and
/// aggregates them for <c>/metrics</c>: counters sum, up-down counters and gauges keep their value, histograms fill buckets
/// (the instrument's advised boundaries, else OpenTelemetry's defaults). Observable instruments are read at scrape time.
/// Meters made by another host's <see cref="IMeterFactory"/> in the same process are ignored.
/// </summary>
public sealed class PrometheusMetricsCollector : IDisposable
{
    internal static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    internal static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger<PrometheusMetricsCollector> _logger;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, RegisteredFamily> _families = new(StringComparer.Ordinal);
    private readonly Lock _scrapeLock = new();
    private int _started;

    public PrometheusMetricsCollector(IMeterFactory? meterFactory, ILogger<PrometheusMetricsCollector> logger)
    {
        _meterFactory = meterFactory;
        _logger = logger;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = (_, _) => { };
        SetCallback<byte>(value => value);
        SetCallback<short>(value => value);
        SetCallback<int>(value => value);
        SetCallback<long>(value => value);
        SetCallback<float>(value => value);
        SetCallback<double>(value => value);
        SetCallback<decimal>(value => (double)value);
    }

    /// <summary>Starts listening; instruments that already exist are picked up at once.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _listener.Start();
        }
    }

    /// <summary>The current values of every family in Prometheus text exposition format 0.0.4.</summary>
    public string Scrape()
    {
        Start();
        lock (_scrapeLock)
        {
            foreach (var family in _families.Values.Where(family => family.ObservedAtScrape))
            {
                family.Family.Clear();
            }

            _listener.RecordObservableInstruments();
            var output = new StringBuilder(16 * 1024);
            foreach (var family in _families.Values.OrderBy(family => family.Family.Name, StringComparer.Ordinal))
            {
                family.Family.WriteTo(output);
            }

            return output.ToString();
        }
    }

    private bool Accepts(Meter meter) =>
        TelemetrySources.IsExported(meter.Name) && (meter.Scope is null || ReferenceEquals(meter.Scope, _meterFactory));

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!Accepts(instrument.Meter) || Describe(instrument) is not { } shape)
        {
            return;
        }

        var name = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, shape.Kind);
        var entry = _families.GetOrAdd(name, _ => new RegisteredFamily(
            new MetricFamily(name, instrument.Description ?? instrument.Name, shape.Kind, shape.Kind == MetricKind.Histogram ? BoundsOf(instrument) : null),
            instrument.IsObservable));
        if (entry.Family.Kind != shape.Kind)
        {
            _logger.LogWarning("Metric {Metric} from meter {Meter} is a {Kind}, but a {ExistingKind} has that name; it is not exported",
                name, instrument.Meter.Name, shape.Kind, entry.Family.Kind);
            return;
        }

        listener.EnableMeasurementEvents(instrument, new Binding(entry.Family, shape.Mode));
    }

    private void SetCallback<T>(Func<T, double> toDouble) where T : struct =>
        _listener.SetMeasurementEventCallback<T>((instrument, measurement, tags, state) =>
        {
            if (state is Binding binding)
            {
                binding.Record(toDouble(measurement), tags);
            }
        });

    private enum Mode
    {
        Add,
        Set,
        Observe,
    }

    private static (MetricKind Kind, Mode Mode)? Describe(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            return (MetricKind.Counter, Mode.Add);
        }

        if (definition == typeof(ObservableCounter<>))
        {
            // Observable counters report their running total.
            return (MetricKind.Counter, Mode.Set);
        }

        if (definition == typeof(Histogram<>))
        {
            return (MetricKind.Histogram, Mode.Observe);
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return (MetricKind.Gauge, Mode.Add);
        }

        if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>))
        {
            return (MetricKind.Gauge, Mode.Set);
        }

        return null;
    }

    private static double[] BoundsOf(Instrument instrument)
    {
        IEnumerable<double>? advised = instrument switch
        {
            Instrument<double> typed => typed.Advice?.HistogramBucketBoundaries,
            Instrument<float> typed => typed.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Instrument<long> typed => typed.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Instrument<int> typed => typed.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Instrument<short> typed => typed.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Instrument<byte> typed => typed.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            Instrument<decimal> typed => typed.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound),
            _ => null,
        };
        return advised?.ToArray() ?? (instrument.Unit == "s" ? SecondsBuckets : DefaultBuckets);
    }

    public void Dispose() => _listener.Dispose();

    private sealed record RegisteredFamily(MetricFamily Family, bool ObservedAtScrape);

    /// <summary>What one instrument's measurements do to its family.</summary>
    private sealed class Binding(MetricFamily family, Mode mode)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = family.Series(Labels(tags));
            switch (mode)
            {
                case Mode.Add:
                    series.Add(value);
                    break;
                case Mode.Set:
                    series.Set(value);
                    break;
                default:
                    series.Observe(value, family.BucketBounds);
                    break;
            }
        }

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                return string.Empty;
            }

            var labels = new KeyValuePair<string, string>[tags.Length];
            for (var index = 0; index < tags.Length; index++)
            {
                labels[index] = KeyValuePair.Create(tags[index].Key, Text(tags[index].Value));
            }

            return MetricFamily.RenderLabels(labels);
        }

        private static string Text(object? value) => value switch
        {
            null => string.Empty,
            string text => text,
            bool flag => flag ? "true" : "false",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
    }
}
