using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AiStack.ServiceDefaults.OpenApi;

namespace AiStack.Tests.Fuzzing;

/// <summary>
/// Walks every operation of every service's OpenAPI document with generated bad input, one batch per operation, and checks after
/// each batch that the service still serves (<c>/health/live</c>, its host not stopping) and that its state is whole: unchanged
/// when the batch had no accepted write, and every stored record complete. Findings are collected, not thrown, so one run
/// reports all of them.
/// </summary>
public sealed class ApiFuzzer(
    IReadOnlyList<FuzzTarget> targets, string apiKey, int seed, int casesPerOperation, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> knownGood)
{
    private const int Concurrency = 4;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public FuzzTally Tally { get; } = new();

    public List<string> Findings { get; } = [];

    /// <summary>Receives every case with its status and answer (the test writes them to AISTACK_FUZZ_LOG when that is set).</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>Operations left out, each with its reason in the test that leaves it out.</summary>
    public Func<FuzzOperation, bool> Skip { get; init; } = _ => false;

    public async Task RunAsync()
    {
        var generator = new BadInputGenerator(seed, knownGood);
        foreach (var target in targets)
        {
            using var client = CreateClient(target.Address, apiKey);
            var document = OpenApiOperations.Parse(await ReadDocumentAsync(client, target.Name));
            var operations = document.Operations.Where(o => !Skip(o)).ToList();
            Tally.Operations[target.Name] = operations.Count;
            foreach (var operation in operations)
            {
                var cases = generator.For(operation, document, casesPerOperation);
                var before = await target.Probe.Fingerprint(client);
                var accepted = await SendBatchAsync(client, target.Name, cases);
                await CheckAfterBatchAsync(client, target, operation, before, accepted);
            }
        }
    }

    private async Task<string> ReadDocumentAsync(HttpClient client, string service)
    {
        using var response = await client.GetAsync(new Uri(OpenApiDocuments.Path.TrimStart('/'), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service} {OpenApiDocuments.Path}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>Sends the batch and returns the cases whose write was accepted (2xx).</summary>
    private async Task<List<FuzzCase>> SendBatchAsync(HttpClient client, string service, IReadOnlyList<FuzzCase> cases)
    {
        var accepted = new List<FuzzCase>();
        using var gate = new SemaphoreSlim(Concurrency);
        await Task.WhenAll(cases.Select(async fuzzCase =>
        {
            await gate.WaitAsync();
            try
            {
                var status = await SendAsync(client, service, fuzzCase);
                if (status is >= 200 and < 300 && fuzzCase.Operation.Writes)
                {
                    lock (accepted)
                    {
                        accepted.Add(fuzzCase);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return accepted;
    }

    private async Task<int?> SendAsync(HttpClient client, string service, FuzzCase fuzzCase)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var request = fuzzCase.ToRequest();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var status = (int)response.StatusCode;
            Tally.Count(service, status, watch.Elapsed);
            var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
            Trace?.Invoke($"{service} {status} {fuzzCase} -> {Excerpt(body)}");
            if (status >= 500)
            {
                Finding(service, fuzzCase, $"{status}: {Excerpt(body)}");
            }
            else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json" && !RefusedByKestrel(response, body))
            {
                Finding(service, fuzzCase, $"{status} without problem details ({response.Content.Headers.ContentType}): {Excerpt(body)}");
            }

            return status;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Tally.CountHang(service);
            Finding(service, fuzzCase, $"no answer in {RequestTimeout.TotalSeconds} s");
        }
        catch (HttpRequestException ex)
        {
            Tally.CountDropped(service);
            Finding(service, fuzzCase, "connection dropped: " + ex.Message + " " + ex.InnerException?.Message);
        }

        return null;
    }

    private async Task CheckAfterBatchAsync(HttpClient client, FuzzTarget target, FuzzOperation operation, string before, List<FuzzCase> accepted)
    {
        using var live = await client.GetAsync(new Uri("health/live", UriKind.Relative));
        if (live.StatusCode != HttpStatusCode.OK || target.Stopping)
        {
            Findings.Add($"{target.Name} after {operation}: not serving (/health/live {(int)live.StatusCode}, stopping {target.Stopping})");
        }

        var after = await target.Probe.Fingerprint(client);
        if (accepted.Count == 0 && after != before)
        {
            Findings.Add($"{target.Name} after {operation}: state changed although every write was refused: {before} -> {after}");
        }

        foreach (var incomplete in await target.Probe.Incomplete(client))
        {
            Findings.Add($"{target.Name} after {operation}: {incomplete}");
        }

        Tally.Batches++;
    }

    private void Finding(string service, FuzzCase fuzzCase, string what)
    {
        lock (Findings)
        {
            Findings.Add($"{service} {fuzzCase}: {what}");
        }
    }

    /// <summary>
    /// Kestrel itself refuses a request line it will not route (a NUL in the decoded path) with an empty 400 and closes the
    /// connection, before any middleware runs; nothing in a service can give that answer a body.
    /// </summary>
    private static bool RefusedByKestrel(HttpResponseMessage response, string body) =>
        response.StatusCode == HttpStatusCode.BadRequest && response.Headers.ConnectionClose == true && body.Length == 0;

    private static string Excerpt(string body) => body.Length > 400 ? body[..400] + "..." : body;

    private static HttpClient CreateClient(Uri address, string apiKey)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var client = new HttpClient(handler) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        return client;
    }
}

/// <summary>Requests sent per service by status class, plus dropped connections and requests without an answer.</summary>
public sealed class FuzzTally
{
    private readonly Dictionary<string, long[]> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _slowest = new(StringComparer.Ordinal);

    public Dictionary<string, int> Operations { get; } = new(StringComparer.Ordinal);

    public int Batches { get; set; }

    public long Total { get { lock (_counts) { return _counts.Values.Sum(c => c.Sum()); } } }

    public long Of(string statusClass)
    {
        var index = Array.IndexOf(Classes, statusClass);
        lock (_counts)
        {
            return _counts.Values.Sum(c => c[index]);
        }
    }

    private static readonly string[] Classes = ["1xx", "2xx", "3xx", "4xx", "5xx", "dropped", "hung"];

    public void Count(string service, int status, TimeSpan elapsed)
    {
        Add(service, Math.Clamp(status / 100, 1, 5) - 1);
        lock (_counts)
        {
            if (!_slowest.TryGetValue(service, out var slowest) || elapsed > slowest)
            {
                _slowest[service] = elapsed;
            }
        }
    }

    public void CountDropped(string service) => Add(service, 5);

    public void CountHang(string service) => Add(service, 6);

    private void Add(string service, int index)
    {
        lock (_counts)
        {
            if (!_counts.TryGetValue(service, out var counts))
            {
                _counts[service] = counts = new long[Classes.Length];
            }

            counts[index]++;
        }
    }

    public string Report(string title, TimeSpan elapsed)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Fuzzer, {title}: {Total} requests, {Batches} batches, {elapsed.TotalSeconds:F1} s\n");
        text.Append(CultureInfo.InvariantCulture, $"{"service",-14}{"ops",5}{"requests",10}");
        foreach (var name in Classes)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name,9}");
        }

        text.Append(CultureInfo.InvariantCulture, $"{"slowest ms",12}\n");
        lock (_counts)
        {
            foreach (var (service, counts) in _counts)
            {
                text.Append(CultureInfo.InvariantCulture, $"{service,-14}{Operations.GetValueOrDefault(service),5}{counts.Sum(),10}");
                foreach (var count in counts)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{count,9}");
                }

                text.Append(CultureInfo.InvariantCulture, $"{_slowest.GetValueOrDefault(service).TotalMilliseconds,12:F0}\n");
            }
        }

        return text.ToString();
    }
}
