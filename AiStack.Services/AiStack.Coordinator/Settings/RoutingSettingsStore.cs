using System.Text.Json;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.Telemetry;
using AiStack.Coordinator.Routing;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Settings;

/// <summary>
/// The live routing settings, the one source of truth for the confidence threshold and the remote budgets: start-up values
/// from <c>Routing:*</c>, overlaid by what PATCH /settings stored in <c>$AISTACK_HOME/data/coordinator-settings.json</c>, so a
/// change survives a restart. Every change is published as a <c>routing_settings_changed</c> event and shows in /health.
/// </summary>
public sealed partial class RoutingSettingsStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly Lock _gate = new();
    private readonly string? _file;
    private readonly ITelemetryEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger<RoutingSettingsStore> _logger;
    private volatile Snapshot _current;

    private sealed record Snapshot(double LocalConfidenceThreshold, long DailyRemoteTokenBudget, int DailyRemoteRequestBudget, DateTimeOffset? UpdatedAt);

    public RoutingSettingsStore(IOptions<RoutingOptions> options, ITelemetryEvents events, TimeProvider time, ILogger<RoutingSettingsStore> logger, string? file)
    {
        _events = events;
        _time = time;
        _logger = logger;
        _file = file;
        var o = options.Value;
        _current = Load(new Snapshot(o.LocalConfidenceThreshold, o.DailyRemoteTokenBudget, o.DailyRemoteRequestBudget, null));
    }

    public double LocalConfidenceThreshold => _current.LocalConfidenceThreshold;

    public long DailyRemoteTokenBudget => _current.DailyRemoteTokenBudget;

    public int DailyRemoteRequestBudget => _current.DailyRemoteRequestBudget;

    public DateTimeOffset? UpdatedAt => _current.UpdatedAt;

    public RoutingSettings Current
    {
        get
        {
            var c = _current;
            return new RoutingSettings
            {
                LocalConfidenceThreshold = c.LocalConfidenceThreshold,
                DailyRemoteTokenBudget = c.DailyRemoteTokenBudget,
                DailyRemoteRequestBudget = c.DailyRemoteRequestBudget,
            };
        }
    }

    /// <summary>What is wrong with a change, by field (snake_case, as on the wire); empty when it can be applied.</summary>
    public static Dictionary<string, string[]> Validate(RoutingSettings change)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (change.LocalConfidenceThreshold is { } t && (double.IsNaN(t) || t is < 0 or > 1))
        {
            errors["local_confidence_threshold"] = ["local_confidence_threshold must be between 0 and 1."];
        }

        if (change.DailyRemoteTokenBudget is < 0)
        {
            errors["daily_remote_token_budget"] = ["daily_remote_token_budget must be 0 (no limit) or more."];
        }

        if (change.DailyRemoteRequestBudget is < 0)
        {
            errors["daily_remote_request_budget"] = ["daily_remote_request_budget must be 0 (no limit) or more."];
        }

        if (change.LocalConfidenceThreshold is null && change.DailyRemoteTokenBudget is null && change.DailyRemoteRequestBudget is null)
        {
            errors["$"] = ["Name at least one of local_confidence_threshold, daily_remote_token_budget, daily_remote_request_budget."];
        }

        return errors;
    }

    /// <summary>Applies a validated change: persisted first, then live, then announced.</summary>
    public RoutingSettings Apply(RoutingSettings change, string? changedBy)
    {
        Snapshot before, after;
        lock (_gate)
        {
            before = _current;
            after = new Snapshot(
                change.LocalConfidenceThreshold ?? before.LocalConfidenceThreshold,
                change.DailyRemoteTokenBudget ?? before.DailyRemoteTokenBudget,
                change.DailyRemoteRequestBudget ?? before.DailyRemoteRequestBudget,
                _time.GetUtcNow());
            Save(after);
            _current = after;
        }

        LogChanged(_logger, before.LocalConfidenceThreshold, after.LocalConfidenceThreshold, after.DailyRemoteTokenBudget, after.DailyRemoteRequestBudget);
        _events.Publish(TelemetryEventTypes.RoutingSettingsChanged, new RoutingSettingsChangedPayload(Wire(before), Wire(after), changedBy));
        return Current;
    }

    private static AiStack.Contracts.Coordinator.RoutingSettings Wire(Snapshot snapshot) => new()
    {
        LocalConfidenceThreshold = snapshot.LocalConfidenceThreshold,
        DailyRemoteTokenBudget = snapshot.DailyRemoteTokenBudget,
        DailyRemoteRequestBudget = snapshot.DailyRemoteRequestBudget,
    };

    private sealed record Stored(double LocalConfidenceThreshold, long DailyRemoteTokenBudget, int DailyRemoteRequestBudget, DateTimeOffset UpdatedAt);

    private Snapshot Load(Snapshot defaults)
    {
        if (_file is null || !File.Exists(_file))
        {
            return defaults;
        }

        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(_file), Json);
            return stored is null ? defaults : new Snapshot(stored.LocalConfidenceThreshold, stored.DailyRemoteTokenBudget, stored.DailyRemoteRequestBudget, stored.UpdatedAt);
        }
        catch (JsonException ex)
        {
            // A damaged file must not stop routing: the configured values apply, and the log says why.
            LogDamaged(_logger, _file, ex.Message);
            return defaults;
        }
    }

    private void Save(Snapshot snapshot)
    {
        if (_file is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        var temporary = _file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(
            new Stored(snapshot.LocalConfidenceThreshold, snapshot.DailyRemoteTokenBudget, snapshot.DailyRemoteRequestBudget, snapshot.UpdatedAt!.Value), Json));
        File.Move(temporary, _file, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing settings changed: threshold {Before} -> {After}, remote budget {Tokens} tokens / {Requests} requests a day")]
    private static partial void LogChanged(ILogger logger, double before, double after, long tokens, int requests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Routing settings file {File} is damaged ({Error}); the configured values apply")]
    private static partial void LogDamaged(ILogger logger, string file, string error);
}
