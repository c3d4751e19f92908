using System.Text.Json;

namespace AiStack.Coordinator.Budget;

/// <summary>A snapshot of today's remote usage against the daily budget.</summary>
public sealed record BudgetUsage(DateOnly Day, long TokensUsed, long TokenLimit, int RequestsUsed, int RequestLimit, DateTimeOffset ResetsAt)
{
    public bool Exhausted => (TokenLimit > 0 && TokensUsed >= TokenLimit) || (RequestLimit > 0 && RequestsUsed >= RequestLimit);

    /// <summary>The larger of the token and request shares spent; 0 when neither is limited.</summary>
    public double SpentRatio => Math.Max(
        TokenLimit > 0 ? (double)TokensUsed / TokenLimit : 0,
        RequestLimit > 0 ? (double)RequestsUsed / RequestLimit : 0);
}

/// <summary>
/// Today's spend on the remote model (UTC days), kept in a small file so a restart does not hand out the budget twice.
/// Usage is recorded after each remote answer; a request that starts under budget may end slightly over it.
/// </summary>
public sealed class RemoteBudget
{
    private readonly Lock _gate = new();
    private readonly Func<(long Tokens, int Requests)> _limits;
    private readonly TimeProvider _time;
    private readonly string? _stateFile;
    private DateOnly _day;
    private long _tokens;
    private int _requests;

    /// <param name="limits">Today's limits, read on every check so a settings change applies at once (0: no limit).</param>
    public RemoteBudget(Func<(long Tokens, int Requests)> limits, TimeProvider time, string? stateFile)
    {
        _limits = limits;
        _time = time;
        _stateFile = stateFile;
        _day = Today;
        Load();
    }

    private DateOnly Today => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    public BudgetUsage Usage
    {
        get
        {
            lock (_gate)
            {
                RollOver();
                var (tokenLimit, requestLimit) = _limits();
                return new BudgetUsage(_day, _tokens, tokenLimit, _requests, requestLimit,
                    new DateTimeOffset(_day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            }
        }
    }

    public bool Allows() => !Usage.Exhausted;

    public void Record(long tokens)
    {
        lock (_gate)
        {
            RollOver();
            _tokens += Math.Max(0, tokens);
            _requests++;
            Save();
        }
    }

    private void RollOver()
    {
        var today = Today;
        if (today != _day)
        {
            _day = today;
            _tokens = 0;
            _requests = 0;
        }
    }

    private sealed record State(DateOnly Day, long Tokens, int Requests);

    private void Load()
    {
        if (_stateFile is null || !File.Exists(_stateFile))
        {
            return;
        }

        try
        {
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(_stateFile));
            if (state is not null && state.Day == _day)
            {
                _tokens = state.Tokens;
                _requests = state.Requests;
            }
        }
        catch (JsonException)
        {
            // A damaged budget file starts the day afresh rather than blocking the service.
        }
    }

    private void Save()
    {
        if (_stateFile is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_stateFile)!);
        var temporary = _stateFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new State(_day, _tokens, _requests)));
        File.Move(temporary, _stateFile, overwrite: true);
    }
}
