using System.Diagnostics;
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
    private const int CasesPerOperation = 400;
    private const int MinimumRequests = 2_000;

    [Fact]
    public Task Sqlite_stack_answers_bad_input_with_problem_details() => FuzzAsync(usePostgres: false);

    [Fact]
    public Task Postgres_stack_answers_bad_input_with_problem_details() => FuzzAsync(usePostgres: true);

    private async Task FuzzAsync(bool usePostgres)
    {
        var watch = Stopwatch.StartNew();
        await using var stack = await FuzzStack.StartAsync(usePostgres ? postgres : null);
        var fuzzer = new ApiFuzzer(stack, Seed, CasesPerOperation);
        await fuzzer.RunAsync();

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
