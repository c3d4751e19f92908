namespace AiStack.Dashboard.Telemetry;

/// <summary>One chart's data: labels along the axis (or slices) and one or more named series with a value per label.</summary>
public sealed record ChartFigure(IReadOnlyList<string> Labels, IReadOnlyList<ChartLine> Series)
{
    public static readonly ChartFigure Empty = new([], []);

    /// <summary>The points drawn: one per label and series.</summary>
    public int PointCount => Series.Sum(s => s.Values.Count);

    public bool IsEmpty => Labels.Count == 0;
}

public sealed record ChartLine(string Name, IReadOnlyList<double> Values);
