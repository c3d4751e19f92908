namespace AiStack.Llama.Generation;

/// <summary>
/// Holds back streamed text that could be the start of a stop sequence, so a stop string split across tokens is found and
/// no part of it is ever emitted.
/// </summary>
internal sealed class StopSequenceFilter(IReadOnlyList<string> stops)
{
    private readonly string[] _stops = stops.Where(s => s.Length > 0).ToArray();
    private string _pending = string.Empty;

    /// <summary>Adds text; returns what can be emitted now, and whether a stop sequence was reached (then nothing more comes).</summary>
    public (string Emit, bool Stopped) Push(string text)
    {
        if (_stops.Length == 0)
        {
            return (text, false);
        }

        _pending += text;
        var first = -1;
        foreach (var stop in _stops)
        {
            var index = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (first < 0 || index < first))
            {
                first = index;
            }
        }

        if (first >= 0)
        {
            var before = _pending[..first];
            _pending = string.Empty;
            return (before, true);
        }

        var hold = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, _pending.Length); length > hold; length--)
            {
                if (_pending.AsSpan(_pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    hold = length;
                    break;
                }
            }
        }

        var emit = _pending[..^hold];
        _pending = _pending[^hold..];
        return (emit, false);
    }

    /// <summary>Text held back when generation ends for another reason.</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = string.Empty;
        return rest;
    }
}
