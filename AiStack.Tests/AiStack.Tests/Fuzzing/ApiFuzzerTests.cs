using System.Diagnostics;
using System.Text.Json.Nodes;
using AiStack.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AiStack.Tests.Fuzzing;

/// <summary>
/// The fuzzer against the whole stack, once on SQLite and once on PostgreSQL: at least 2,000 requests of bad input with a fixed
/// seed; none may get a 5xx, lose its connection or go unanswered, every 4xx is problem details, no service stops, and no batch
/// leaves a partial write.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ApiFuzzerTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Seed = 20261202;
    private const int CasesPerOperation = 2_000;
    private const int MinimumRequests = 2_000;

    /// <summary>
    /// Values the schemas cannot tell (a collection, backend or model must exist), so that the valid-looking body is valid and
    /// each mutation tests the one field it changes.
    /// </summary>
    private static readonly Dictionary<string, JsonNode?> KnownGood = new(StringComparer.Ordinal)
    {
        ["collection"] = "codebase-context",
        ["collections"] = new JsonArray("codebase-context"),
        ["backend"] = "agent",
        ["model"] = "aistack-local",
        ["role"] = "user",
        ["outcome"] = "success",
        ["rating"] = 4,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "fuzz" }),
        ["input"] = "fuzz",
        ["encoding_format"] = "float",
        ["max_tokens"] = 4,
        ["max_iterations"] = 1,
        ["local_confidence_threshold"] = 0.85,
        ["vector"] = null,
        ["since"] = "2026-01-01T00:00:00Z",
        ["loop_enabled"] = true,
        ["default_backend"] = "agent",
    };

    [Fact]
    public Task Sqlite_stack_answers_bad_input_with_problem_details() => FuzzAsync(usePostgres: false);

    [Fact]
    public Task Postgres_stack_answers_bad_input_with_problem_details() => FuzzAsync(usePostgres: true);

    private async Task FuzzAsync(bool usePostgres)
    {
        var watch = Stopwatch.StartNew();
        await using var stack = await FuzzStack.StartAsync(usePostgres ? postgres : null);
        var log = Environment.GetEnvironmentVariable("AISTACK_FUZZ_LOG") is { Length: > 0 } path
            ? TextWriter.Synchronized(new StreamWriter(path + (usePostgres ? ".postgres" : ".sqlite")))
            : null;
        var fuzzer = new ApiFuzzer(stack.Targets, FuzzStack.Key, Seed, CasesPerOperation, KnownGood) { Trace = log is null ? null : log.WriteLine };
        await fuzzer.RunAsync();
        log?.Dispose();

        output.WriteLine(fuzzer.Tally.Report($"{(usePostgres ? "PostgreSQL" : "SQLite")}, seed {Seed}", watch.Elapsed));
        foreach (var finding in fuzzer.Findings)
        {
            output.WriteLine(finding);
        }

        Assert.True(fuzzer.Tally.Total >= MinimumRequests, $"Only {fuzzer.Tally.Total} requests were generated; the floor is {MinimumRequests}.");
        Assert.True(fuzzer.Findings.Count == 0, $"{fuzzer.Findings.Count} findings; the first: {string.Join("\n", fuzzer.Findings.Take(20))}");
        Assert.Equal(0, fuzzer.Tally.Of("5xx"));
        Assert.Equal(0, fuzzer.Tally.Of("dropped"));
        Assert.Equal(0, fuzzer.Tally.Of("hung"));
    }
}
