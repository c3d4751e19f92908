using AiStack.Contracts.Tasks;
using AiStack.Storage;
using Dapper;

namespace AiStack.Ralph.Adaptive;

/// <summary>Outcomes per (task type, backend), persisted so the adaptive limits survive restarts (the original kept them in memory).</summary>
public sealed class AdaptiveHistoryStore(Database database)
{
    public async Task<IReadOnlyList<HistoryOutcome>> RecentAsync(string taskType, string backend, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<HistoryRow>(
            "SELECT success, iterations FROM adaptive_history WHERE task_type = @taskType AND backend = @backend ORDER BY id DESC LIMIT @limit",
            new { taskType, backend, limit = AdaptiveLimit.HistoryWindow });
        return rows.Select(r => new HistoryOutcome(r.Success != 0, r.Iterations)).ToList();
    }

    public async Task<IReadOnlyList<HistorySummary>> SummariesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<KeyedHistoryRow>(
            "SELECT task_type, backend, success, iterations FROM adaptive_history ORDER BY id DESC")).ToList();
        return rows.GroupBy(r => (r.TaskType, r.Backend))
            .Select(g =>
            {
                var all = g.ToList();
                var successful = all.Count(r => r.Success != 0);
                var window = all.Take(AdaptiveLimit.HistoryWindow).Select(r => new HistoryOutcome(r.Success != 0, r.Iterations)).ToList();
                return new HistorySummary(g.Key.TaskType, g.Key.Backend, all.Count, successful,
                    all.Count == 0 ? 0 : Math.Round((double)successful / all.Count, 4),
                    Math.Round(all.Average(r => (double)r.Iterations), 2),
                    AdaptiveLimit.HistoryMultiplier(window));
            })
            .OrderBy(s => s.TaskType, StringComparer.Ordinal).ThenBy(s => s.Backend, StringComparer.Ordinal)
            .ToList();
    }

    internal sealed class HistoryRow
    {
        public long Success { get; set; }
        public int Iterations { get; set; }
    }

    internal sealed class KeyedHistoryRow
    {
        public string TaskType { get; set; } = "";
        public string Backend { get; set; } = "";
        public long Success { get; set; }
        public int Iterations { get; set; }
    }
}
