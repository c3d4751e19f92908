using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AiStack.Contracts.Tasks;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Ralph.Settings;

/// <summary>
/// Live settings: the newest row of <c>settings_history</c>, or the configured defaults when nobody changed anything. Read from the
/// database (with a short cache) so that every replica sees a change made through any of them.
/// </summary>
public sealed class SettingsStore(Database database, IOptions<RalphSettings> defaults, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly TimeSpan CacheFor = TimeSpan.FromMilliseconds(500);
    private readonly Lock _gate = new();
    private SettingsResponse? _cached;
    private DateTimeOffset _cachedAt;

    public async Task<RalphSettings> CurrentAsync(CancellationToken cancellationToken) => (await DescribeAsync(cancellationToken)).Settings;

    public async Task<SettingsResponse> DescribeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_cached is not null && time.GetUtcNow() - _cachedAt < CacheFor)
            {
                return _cached;
            }
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<SettingsRow>(
            "SELECT settings, changed_by, changed_at FROM settings_history ORDER BY id DESC LIMIT 1");
        var response = row is not null
            ? new SettingsResponse(JsonSerializer.Deserialize<RalphSettings>(row.Settings, Json)!, row.ChangedBy, row.ChangedAt)
            : new SettingsResponse(defaults.Value, null, null);
        lock (_gate)
        {
            _cached = response;
            _cachedAt = time.GetUtcNow();
        }

        return response;
    }

    /// <summary>Validates and records a change; returns the validation errors instead when the result would be invalid.</summary>
    public async Task<(SettingsResponse? Saved, IDictionary<string, string[]>? Errors)> UpdateAsync(SettingsUpdate update, string changedBy, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(cancellationToken);
        var next = update.ApplyTo(current);
        var errors = Validate(next);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var now = time.GetUtcNow();
        await database.InTransactionAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "INSERT INTO settings_history (settings, changed_by, changed_at) VALUES (@settings, @changedBy, @now)",
                new { settings = JsonSerializer.Serialize(next, Json), changedBy, now }, transaction), cancellationToken);
        var saved = new SettingsResponse(next, changedBy, now);
        lock (_gate)
        {
            _cached = saved;
            _cachedAt = now;
        }

        return (saved, null);
    }

    public async Task<IReadOnlyList<SettingsChange>> HistoryAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<SettingsRow>(
            "SELECT settings, changed_by, changed_at FROM settings_history ORDER BY id DESC LIMIT @limit", new { limit });
        return rows.Select(r => new SettingsChange(JsonSerializer.Deserialize<RalphSettings>(r.Settings, Json)!, r.ChangedBy, r.ChangedAt)).ToList();
    }

    internal static Dictionary<string, string[]> Validate(RalphSettings settings)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var target in new object[] { settings, settings.BaseLimits })
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    foreach (var member in result.MemberNames)
                    {
                        errors[JsonNamingPolicy.SnakeCaseLower.ConvertName(member)] = [result.ErrorMessage ?? "invalid"];
                    }
                }
            }
        }

        return errors;
    }
}

internal sealed class SettingsRow
{
    public string Settings { get; set; } = "";
    public string ChangedBy { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
}
