using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>
/// The standard resilience handler (Microsoft.Extensions.Http.Resilience) as AddServiceDefaults puts it on every HttpClient:
/// a client from the factory of a real service host, with the network replaced by a scripted handler where answers matter.
/// </summary>
public sealed class ResiliencePipelineTests
{
    private static readonly Uri Destination = new("http://sibling.test:8091/items");

    [Fact]
    public async Task The_breaker_opens_after_the_failure_threshold_and_refuses_calls_without_sending_them()
    {
        await using var host = await ClientHost.StartAsync((_, _) => HttpStatusCode.ServiceUnavailable);
        for (var call = 0; call < 5; call++)
        {
            using var response = await host.Client.PostAsync(Destination, new StringContent("{}"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.PostAsync(Destination, new StringContent("{}")));

        Assert.IsType<BrokenCircuitException>(refused.InnerException);
        Assert.Contains("sibling.test:8091", refused.Message, StringComparison.Ordinal);
        Assert.Equal(5, host.Server.Calls);
        Assert.Equal(BreakerState.Open, host.Breaker("sibling.test:8091"));
        Assert.Contains(host.Logs.Lines, line => line.Level == LogLevel.Error && line.Message.StartsWith("Circuit breaker for sibling.test:8091 opened for 30 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_open_breaker_half_opens_after_its_break_and_closes_after_a_successful_probe()
    {
        var failing = true;
        await using var host = await ClientHost.StartAsync((_, _) => failing ? HttpStatusCode.InternalServerError : HttpStatusCode.OK, fakeTime: true);
        await host.FailPostsUntilOpenAsync();
        Assert.Equal(BreakerState.Open, host.Breaker("sibling.test:8091"));

        failing = false;
        host.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(BreakerState.Open, host.Breaker("sibling.test:8091"));
        host.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(BreakerState.HalfOpen, host.Breaker("sibling.test:8091"));

        using var probe = await host.Client.GetAsync(Destination);

        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(BreakerState.Closed, host.Breaker("sibling.test:8091"));
        Assert.Equal(6, host.Server.Calls);
    }

    [Fact]
    public async Task A_failed_probe_opens_the_breaker_again()
    {
        await using var host = await ClientHost.StartAsync((_, _) => HttpStatusCode.BadGateway, fakeTime: true);
        await host.FailPostsUntilOpenAsync();
        host.Time.Advance(TimeSpan.FromSeconds(31));

        (await host.Client.PostAsync(Destination, new StringContent("{}"))).Dispose();

        Assert.Equal(BreakerState.Open, host.Breaker("sibling.test:8091"));
    }

    [Fact]
    public async Task Idempotent_requests_are_retried_on_transient_failures_until_they_succeed()
    {
        await using var host = await ClientHost.StartAsync((_, attempt) => attempt < 3 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);

        using var response = await host.Client.GetAsync(Destination);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, host.Server.Calls);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task A_request_that_is_not_idempotent_is_never_retried(string method)
    {
        await using var host = await ClientHost.StartAsync((_, _) => HttpStatusCode.ServiceUnavailable);

        using var request = new HttpRequestMessage(new HttpMethod(method), Destination) { Content = new StringContent("{}") };
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, host.Server.Calls);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var host = await ClientHost.StartAsync((_, _) => HttpStatusCode.BadRequest);

        using var response = await host.Client.GetAsync(Destination);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, host.Server.Calls);
    }

    [Fact]
    public async Task A_retried_put_sends_its_body_and_headers_again_on_every_attempt()
    {
        await using var host = await ClientHost.StartAsync((_, attempt) => attempt < 2 ? HttpStatusCode.TooManyRequests : HttpStatusCode.NoContent);
        using var request = new HttpRequestMessage(HttpMethod.Put, Destination) { Content = new StringContent("{\"title\":\"x\"}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-API-Key", "k");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["{\"title\":\"x\"}", "{\"title\":\"x\"}"], host.Server.Bodies);
        Assert.Equal(["k", "k"], host.Server.ApiKeys);
        Assert.All(host.Server.ContentTypes, type => Assert.Equal("application/json; charset=utf-8", type));
    }

    [Fact]
    public async Task A_refused_connection_is_one_warning_line_per_retry_with_its_delay_and_no_stack_trace()
    {
        var port = ClosedPort();
        await using var host = await ClientHost.StartAsync(answer: null);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready")));

        Assert.IsType<SocketException>(error.InnerException);
        var warnings = host.Logs.Lines.Where(line => line.Level >= LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, line =>
        {
            Assert.Matches($"^Call to 127\\.0\\.0\\.1:{port} failed \\(connection refused\\); retrying in \\d+ ms \\(retry [12]\\)$", line.Message);
            Assert.DoesNotContain("   at ", line.Message, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(host.Logs.Lines, line => line.Category.StartsWith("Polly", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_attempt_that_hangs_is_cut_off_by_the_timeout()
    {
        await using var host = await ClientHost.StartAsync((_, _) => HttpStatusCode.OK, hang: true, settings: new()
        {
            ["Resilience:Retry:MaxRetryAttempts"] = "1",
            ["Resilience:AttemptTimeout:Timeout"] = "00:00:00.2",
            ["Resilience:TotalRequestTimeout:Timeout"] = "00:00:05",
        });
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.PostAsync(Destination, new StringContent("{}")));

        Assert.IsType<TimeoutRejectedException>(error.InnerException);
        Assert.Contains("timed out after 0.2 s", error.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task The_total_timeout_bounds_all_attempts_together()
    {
        await using var host = await ClientHost.StartAsync((_, _) => HttpStatusCode.OK, hang: true, settings: new()
        {
            ["Resilience:Retry:MaxRetryAttempts"] = "10",
            ["Resilience:AttemptTimeout:Timeout"] = "00:00:00.2",
            ["Resilience:TotalRequestTimeout:Timeout"] = "00:00:00.5",
        });
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.GetAsync(Destination));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        Assert.InRange(host.Server.Calls, 1, 3);
    }

    [Fact]
    public async Task Each_destination_has_its_own_breaker()
    {
        await using var host = await ClientHost.StartAsync((request, _) => request.RequestUri!.Host == "down.test" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        for (var call = 0; call < 5; call++)
        {
            (await host.Client.PostAsync(new Uri("http://down.test/"), new StringContent("{}"))).Dispose();
            (await host.Client.PostAsync(new Uri("http://up.test/"), new StringContent("{}"))).Dispose();
        }

        Assert.Equal(BreakerState.Open, host.Breaker("down.test"));
        Assert.Equal(BreakerState.Closed, host.Breaker("up.test"));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A service host whose "test" client goes to a scripted server (or, without a script, to the real network).</summary>
    private sealed class ClientHost : IAsyncDisposable
    {
        private readonly TestServiceApp _app;

        private ClientHost(TestServiceApp app, ScriptedServer server, FakeTimeProvider time)
        {
            _app = app;
            Server = server;
            Time = time;
            Client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("test");
        }

        public HttpClient Client { get; }
        public ScriptedServer Server { get; }
        public FakeTimeProvider Time { get; }
        public LogSink Logs => _app.Logs;

        public static async Task<ClientHost> StartAsync(
            Func<HttpRequestMessage, int, HttpStatusCode>? answer, bool hang = false, bool fakeTime = false, Dictionary<string, string?>? settings = null)
        {
            var server = new ScriptedServer(answer ?? ((_, _) => HttpStatusCode.OK), hang);
            // With fakeTime, Polly's timers (breaks, retry delays, timeouts) and the half-open state follow the fake clock:
            // only for tests that send no retried request.
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.Zero };
            settings ??= [];
            settings.TryAdd("Resilience:Retry:Delay", "00:00:00.001");
            settings.TryAdd("Resilience:Retry:MaxRetryAttempts", "2");
            var app = await TestServiceApp.StartAsync(builder =>
            {
                if (fakeTime)
                {
                    builder.Services.AddSingleton<TimeProvider>(time);
                }

                var client = builder.Services.AddHttpClient("test");
                if (answer is not null)
                {
                    client.ConfigurePrimaryHttpMessageHandler(() => server);
                }
            }, settings: settings);
            return new ClientHost(app, server, time);
        }

        public BreakerState Breaker(string name) =>
            _app.Services.GetRequiredService<CircuitBreakerRegistry>().Snapshot().Single(breaker => breaker.Key == name).Value;

        /// <summary>Five failed POSTs (never retried) open the breaker: 5 calls, half of them failed.</summary>
        public async Task FailPostsUntilOpenAsync()
        {
            for (var call = 0; call < 5; call++)
            {
                (await Client.PostAsync(Destination, new StringContent("{}"))).Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Stands in for the network: answers each attempt as the test scripts it and records what arrived.</summary>
    private sealed class ScriptedServer(Func<HttpRequestMessage, int, HttpStatusCode> answer, bool hang) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;
        public List<string> Bodies { get; } = [];
        public List<string?> ApiKeys { get; } = [];
        public List<string?> ContentTypes { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref _calls);
            if (request.Content is not null)
            {
                Bodies.Add(await request.Content.ReadAsStringAsync(cancellationToken));
                ContentTypes.Add(request.Content.Headers.ContentType?.ToString());
            }

            ApiKeys.Add(request.Headers.TryGetValues("X-API-Key", out var keys) ? keys.Single() : null);
            if (hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new HttpResponseMessage(answer(request, attempt)) { RequestMessage = request };
        }
    }
}
