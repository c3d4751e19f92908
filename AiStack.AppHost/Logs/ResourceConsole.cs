namespace AiStack.AppHost.Logs;

/// <summary>
/// Writes every resource's output to the AppHost's stdout, prefixed with the resource name (in a colour per resource when stdout is a
/// terminal), one whole line at a time.
/// </summary>
public sealed class ResourceConsole
{
    private static readonly string[] Colors = ["\u001b[36m", "\u001b[35m", "\u001b[33m", "\u001b[32m", "\u001b[34m", "\u001b[96m", "\u001b[95m"];
    private const string Red = "\u001b[31m";
    private const string Reset = "\u001b[0m";
    private readonly TextWriter _writer;
    private readonly bool _color;
    private readonly Dictionary<string, string> _colorByName = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _width = 8;

    public ResourceConsole()
        : this(Console.Out, color: !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null)
    {
    }

    public ResourceConsole(TextWriter writer, bool color)
    {
        _writer = writer;
        _color = color;
    }

    public void Register(string name)
    {
        lock (_gate)
        {
            if (!_colorByName.ContainsKey(name))
            {
                _colorByName[name] = Colors[_colorByName.Count % Colors.Length];
                _width = Math.Max(_width, name.Length);
            }
        }
    }

    public void Write(string name, LogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            var prefix = name.PadRight(_width);
            if (_color)
            {
                var color = _colorByName.GetValueOrDefault(name, Colors[0]);
                _writer.WriteLine(entry.IsError ? $"{color}{prefix} |{Reset} {Red}{entry.Text}{Reset}" : $"{color}{prefix} |{Reset} {entry.Text}");
            }
            else
            {
                _writer.WriteLine($"{prefix} | {entry.Text}");
            }

            _writer.Flush();
        }
    }
}
