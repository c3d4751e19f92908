using System.Globalization;
using System.Text;

namespace AiStack.ServiceDefaults.Metrics;

/// <summary>
/// Maps OpenTelemetry-style instrument names and units onto Prometheus metric names, following the OpenTelemetry
/// Prometheus compatibility rules: invalid characters become underscores, the unit is appended in words
/// (<c>s</c> becomes <c>_seconds</c>, <c>By</c> <c>_bytes</c>, annotations like <c>{request}</c> are dropped) and counters end in <c>_total</c>.
/// </summary>
public static class PrometheusNaming
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds", ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes", ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["bit"] = "bits",
        ["Hz"] = "hertz", ["V"] = "volts", ["W"] = "watts", ["A"] = "amperes", ["Cel"] = "celsius", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["min"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    public static string MetricName(string instrumentName, string? unit, MetricKind kind)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var name = Sanitize(instrumentName, allowColon: true);
        var isCounter = kind == MetricKind.Counter;
        if (isCounter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        var suffix = UnitSuffix(unit, kind);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }

        return isCounter ? name + "_total" : name;
    }

    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    internal static string UnitSuffix(string? unit, MetricKind kind)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return string.Empty;
        }

        // "{request}" and "1" say what is counted, not a unit; "1" on a gauge is a ratio.
        var plain = StripAnnotations(unit).Trim();
        if (plain == "1")
        {
            return kind == MetricKind.Gauge ? "ratio" : string.Empty;
        }

        if (plain.Length == 0)
        {
            return string.Empty;
        }

        var parts = plain.Split('/', 2);
        var main = parts[0].Length == 0 ? string.Empty : Units.GetValueOrDefault(parts[0]) ?? Sanitize(parts[0], allowColon: false);
        if (parts.Length == 1)
        {
            return main;
        }

        var per = PerUnits.GetValueOrDefault(parts[1]) ?? Sanitize(parts[1], allowColon: false);
        return main.Length == 0 ? "per_" + per : main + "_per_" + per;
    }

    private static string StripAnnotations(string unit)
    {
        var builder = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var character in unit)
        {
            if (character == '{')
            {
                depth++;
            }
            else if (character == '}')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (depth == 0)
            {
                builder.Append(character);
            }
        }

        return builder.ToString();
    }

    private static string Sanitize(string value, bool allowColon)
    {
        var builder = new StringBuilder(value.Length + 1);
        var lastWasUnderscore = false;
        foreach (var character in value)
        {
            var valid = char.IsAsciiLetterOrDigit(character) || character == '_' || (allowColon && character == ':');
            var next = valid ? character : '_';
            if (next == '_' && lastWasUnderscore)
            {
                continue;
            }

            builder.Append(next);
            lastWasUnderscore = next == '_';
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>Label values may hold anything; backslash, double quote and line feed are escaped.</summary>
    public static string EscapeLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>HELP text escapes backslash and line feed (quotes are legal there).</summary>
    public static string EscapeHelp(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };
}

public enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}
