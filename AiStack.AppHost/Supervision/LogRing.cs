using AiStack.Contracts.Stack;

namespace AiStack.AppHost.Supervision;

/// <summary>
/// The recent output of one resource: the last lines, and separately the last errors, so an error is still there after a burst of
/// ordinary lines. Bounded; older lines are dropped.
/// </summary>
public sealed class LogRing
{
    private readonly Queue<LogEntry> _lines;
    private readonly Queue<LogEntry> _errors;
    private readonly int _lineCapacity;
    private readonly int _errorCapacity;
    private readonly Lock _gate = new();

    public LogRing(int lineCapacity = 1000, int errorCapacity = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lineCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(errorCapacity, 1);
        _lineCapacity = lineCapacity;
        _errorCapacity = errorCapacity;
        _lines = new Queue<LogEntry>(lineCapacity);
        _errors = new Queue<LogEntry>(errorCapacity);
    }

    public void Add(LogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            Push(_lines, entry, _lineCapacity);
            if (entry.IsError)
            {
                Push(_errors, entry, _errorCapacity);
            }
        }
    }

    public IReadOnlyList<LogEntry> Lines(int tail)
    {
        lock (_gate)
        {
            return _lines.Skip(Math.Max(0, _lines.Count - tail)).ToList();
        }
    }

    public IReadOnlyList<LogEntry> Errors(int tail)
    {
        lock (_gate)
        {
            return _errors.Skip(Math.Max(0, _errors.Count - tail)).ToList();
        }
    }

    private static void Push(Queue<LogEntry> queue, LogEntry entry, int capacity)
    {
        if (queue.Count == capacity)
        {
            queue.Dequeue();
        }

        queue.Enqueue(entry);
    }
}
