using System.Globalization;
using System.Text.Json.Nodes;

namespace AiStack.Tests.Fuzzing;

/// <summary>
/// What a service holds, read through its own API after each batch: a fingerprint that a batch without an accepted write must
/// leave unchanged, and the completeness checks that every stored record must pass (so an accepted write never left half a record).
/// </summary>
public sealed record StateProbe(Func<HttpClient, Task<string>> Fingerprint, Func<HttpClient, Task<IReadOnlyList<string>>> Incomplete)
{
    public static StateProbe KnowledgeBase { get; } = new(
        async client =>
        {
            var collections = await GetAsync(client, "collections");
            return string.Join(";", collections["collections"]!.AsArray().Select(c => $"{c!["name"]}={c["documents"]}/{c["chunks"]}"));
        },
        async client =>
        {
            var problems = new List<string>();
            var page = await GetAsync(client, "documents?limit=500");
            foreach (var document in page["documents"]!.AsArray())
            {
                var id = document!["id"]!.GetValue<long>();
                var full = await GetAsync(client, "documents/" + id.ToString(CultureInfo.InvariantCulture));
                var content = full["content"]?.GetValue<string>();
                if (full["chunk_count"]!.GetValue<int>() < 1 || string.IsNullOrEmpty(content) || full["content_length"]!.GetValue<int>() != content.Length)
                {
                    problems.Add($"document {id} is incomplete: {full.ToJsonString()[..Math.Min(300, full.ToJsonString().Length)]}");
                }
            }

            var collections = await GetAsync(client, "collections");
            var listed = collections["collections"]!.AsArray().Sum(c => c!["documents"]!.GetValue<long>());
            if (listed != page["total"]!.GetValue<long>())
            {
                problems.Add($"collections count {listed} documents, /documents {page["total"]}");
            }

            return problems;
        });

    public static StateProbe Coordinator { get; } = new(
        async client => (await GetAsync(client, "settings")).ToJsonString(),
        async client =>
        {
            var settings = await GetAsync(client, "settings");
            var threshold = settings["local_confidence_threshold"]?.GetValue<double>();
            return threshold is >= 0 and <= 1 ? [] : [$"settings out of range: {settings.ToJsonString()}"];
        });

    public static StateProbe Ralph { get; } = new(
        async client => $"tasks={(await GetAsync(client, "tasks?limit=1"))["total"]};settings={(await GetAsync(client, "settings"))["settings"]?.ToJsonString()}",
        async client =>
        {
            var problems = new List<string>();
            foreach (var task in (await GetAsync(client, "tasks?limit=500"))["tasks"]!.AsArray())
            {
                var id = task!["task_id"]!.GetValue<string>();
                var full = await GetAsync(client, "tasks/" + Uri.EscapeDataString(id));
                if (string.IsNullOrWhiteSpace(full["prompt"]?.GetValue<string>()) || full["max_iterations"] is null || full["workspace"] is null)
                {
                    problems.Add($"task {id} is incomplete: {full.ToJsonString()[..Math.Min(300, full.ToJsonString().Length)]}");
                }
            }

            return problems;
        });

    public static StateProbe Learning { get; } = new(
        async client =>
        {
            // Learning records its own events (dataset_exported, ...) a moment after the write that caused them: only what others sent counts.
            var stats = await GetAsync(client, "learning/stats");
            var sent = (await GetAsync(client, "events?limit=5000"))["events"]!.AsArray().Count(e => e!["source"]?.ToString() != "learning");
            return $"events={sent};patterns={stats["total_patterns_learned"]};proposals={stats["optimization_proposals"]}";
        },
        async client =>
        {
            // Processed events are rotated away, so the store may hold fewer than were received, never more; each one whole.
            var problems = new List<string>();
            var received = (await GetAsync(client, "learning/stats"))["events"]!["received"]!.GetValue<long>();
            var events = (await GetAsync(client, "events?limit=5000"))["events"]!.AsArray();
            if (events.Count > received)
            {
                problems.Add($"learning counts {received} events received but stores {events.Count}");
            }

            foreach (var stored in events)
            {
                if ((string[])["id", "type", "source", "time"] is var required && required.Any(f => string.IsNullOrWhiteSpace(stored![f]?.ToString())))
                {
                    problems.Add($"event is incomplete: {stored!.ToJsonString()[..Math.Min(300, stored.ToJsonString().Length)]}");
                }
            }

            return problems;
        });

    /// <summary>The AppHost's control API: which process each resource runs as; a fuzzed control API must restart nothing.</summary>
    public static StateProbe ControlApi { get; } = new(
        async client => string.Join(";", (await GetArrayAsync(client, "api/resources"))
            .Select(r => $"{r!["name"]}:{r["pid"]}:{r["restart_count"]}").Order(StringComparer.Ordinal)),
        async client => (await GetArrayAsync(client, "api/resources"))
            .Where(r => string.IsNullOrEmpty(r!["name"]?.ToString()) || string.IsNullOrEmpty(r["state"]?.ToString()))
            .Select(r => $"resource without a name or state: {r!.ToJsonString()}").ToList());

    private static async Task<JsonArray> GetArrayAsync(HttpClient client, string path) => (await GetNodeAsync(client, path)).AsArray();

    private static async Task<JsonObject> GetAsync(HttpClient client, string path) => (await GetNodeAsync(client, path)).AsObject();

    private static async Task<JsonNode> GetNodeAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }
}
