using System.Diagnostics;
using AiStack.Tests.Fuzzing;
using Aspire.Hosting;
using Xunit.Abstractions;

namespace AiStack.Tests.AppHost;

/// <summary>
/// The fuzzer against the AppHost's control API on the real embedded stack: every operation of its OpenAPI document with bad
/// path and query values, bodies and content types; none gets a 5xx, loses its connection or goes unanswered, every 4xx is
/// problem details, and no resource is restarted.
/// </summary>
[Collection(EmbeddedStackCollection.Name)]
public sealed class ControlApiFuzzerTests(EmbeddedStackFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 20261202;

    [Fact]
    public async Task The_control_API_answers_bad_input_with_problem_details_and_restarts_nothing()
    {
        var watch = Stopwatch.StartNew();
        var host = fixture.Host;
        var target = new FuzzTarget("apphost", host.Control.BaseAddress!, host.App.Services, StateProbe.ControlApi);
        // POST /api/resources/restart takes no input at all, so every case of it would be a real restart of the whole stack
        // (StackEndToEndTests proves that one). The per-resource restart is fuzzed: its generated names match no resource, and
        // its few dozen cases stay inside the restart rate limit that the other tests of this collection share.
        var fuzzer = new ApiFuzzer([target], host.ApiKey, Seed, casesPerOperation: 200, new Dictionary<string, System.Text.Json.Nodes.JsonNode?>())
        {
            Skip = operation => operation is { Method: "POST", PathTemplate: "/api/resources/restart" },
        };

        await fuzzer.RunAsync();

        output.WriteLine(fuzzer.Tally.Report($"control API, seed {Seed}", watch.Elapsed));
        Assert.True(fuzzer.Tally.Operations["apphost"] >= 4, $"only {fuzzer.Tally.Operations["apphost"]} control API operations were fuzzed");
        Assert.True(fuzzer.Tally.Total >= 100, $"Only {fuzzer.Tally.Total} requests were generated.");
        Assert.True(fuzzer.Findings.Count == 0, $"{fuzzer.Findings.Count} findings; the first: {string.Join("\n", fuzzer.Findings.Take(20))}");
        Assert.Equal(0, fuzzer.Tally.Of("5xx"));
        Assert.Equal(0, fuzzer.Tally.Of("dropped"));
        Assert.Equal(0, fuzzer.Tally.Of("hung"));
    }
}
