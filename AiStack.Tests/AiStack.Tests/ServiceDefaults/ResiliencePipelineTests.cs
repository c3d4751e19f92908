using System.Diagnostics;
using System.Net;
using AiStack.ServiceDefaults.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AiStack.Tests.ServiceDefaults;

public sealed class ResiliencePipelineTests
{
    private static readonly Uri Destination = new("http://sibling.test:8091/items");

    [Fact]
    public async Task The_breaker_opens_after_the_failure_threshold_and_refuses_calls_without_sending_them()
    {
        var (invoker, server, registry) = Build(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 5, BreakerFailureRatio = 0.5, BreakerBreakSeconds = 30 },
            (_, _) => HttpStatusCode.ServiceUnavailable);
        using (invoker)
        {
            for (var call = 0; call < 5; call++)
            {
                using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }

            var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
                invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None));

            Assert.IsType<BrokenCircuitException>(refused.InnerException);
            Assert.Contains("sibling.test:8091", refused.Message, StringComparison.Ordinal);
            Assert.Equal(5, server.Calls);
            Assert.Equal(BreakerState.Open, Assert.Single(registry.Snapshot(), breaker => breaker.Key == "sibling.test:8091").Value);
        }
    }

    [Fact]
    public async Task An_open_breaker_half_opens_after_its_break_and_closes_after_a_successful_probe()
    {
        var failing = true;
        var (invoker, server, registry) = Build(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 2, BreakerBreakSeconds = 0.5 },
            (_, _) => failing ? HttpStatusCode.InternalServerError : HttpStatusCode.OK);
        using (invoker)
        {
            for (var call = 0; call < 2; call++)
            {
                (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None)).Dispose();
            }

            Assert.Equal(BreakerState.Open, State(registry));
            failing = false;
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            Assert.Equal(BreakerState.HalfOpen, State(registry));

            using var probe = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None);

            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
            Assert.Equal(BreakerState.Closed, State(registry));
            Assert.Equal(3, server.Calls);
        }
    }

    [Fact]
    public async Task A_failed_probe_opens_the_breaker_again()
    {
        var (invoker, _, registry) = Build(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 2, BreakerBreakSeconds = 0.5 },
            (_, _) => HttpStatusCode.BadGateway);
        using (invoker)
        {
            for (var call = 0; call < 2; call++)
            {
                (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None)).Dispose();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(700));
            (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None)).Dispose();

            Assert.Equal(BreakerState.Open, State(registry));
        }
    }

    [Fact]
    public async Task Idempotent_requests_are_retried_on_transient_failures_until_they_succeed()
    {
        var (invoker, server, _) = Build(Fast(), (_, attempt) => attempt < 3 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        using (invoker)
        {
            using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(3, server.Calls);
        }
    }

    [Fact]
    public async Task A_post_is_never_retried()
    {
        var (invoker, server, _) = Build(Fast(), (_, _) => HttpStatusCode.ServiceUnavailable);
        using (invoker)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Destination) { Content = new StringContent("{}") };
            using var response = await invoker.SendAsync(request, CancellationToken.None);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(1, server.Calls);
        }
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        var (invoker, server, _) = Build(Fast(), (_, _) => HttpStatusCode.BadRequest);
        using (invoker)
        {
            using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None);

            Assert.Equal(1, server.Calls);
        }
    }

    [Fact]
    public async Task A_retried_put_sends_its_body_and_headers_again_on_every_attempt()
    {
        var (invoker, server, _) = Build(Fast(), (_, attempt) => attempt < 2 ? HttpStatusCode.TooManyRequests : HttpStatusCode.NoContent);
        using (invoker)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, Destination) { Content = new StringContent("{\"title\":\"x\"}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-API-Key", "k");
            using var response = await invoker.SendAsync(request, CancellationToken.None);

            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Same(request, response.RequestMessage);
            Assert.Equal(["{\"title\":\"x\"}", "{\"title\":\"x\"}"], server.Bodies);
            Assert.Equal(["k", "k"], server.ApiKeys);
            Assert.All(server.ContentTypes, type => Assert.Equal("application/json; charset=utf-8", type));
        }
    }

    [Fact]
    public async Task Connection_failures_are_retried_and_the_last_one_surfaces()
    {
        var (invoker, server, _) = Build(Fast(), (_, _) => throw new HttpRequestException("connection refused"));
        using (invoker)
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
                invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None));

            Assert.Equal("connection refused", error.Message);
            Assert.Equal(3, server.Calls);
        }
    }

    [Fact]
    public async Task An_attempt_that_hangs_is_cut_off_by_the_timeout()
    {
        var (invoker, _, _) = Build(
            new ResilienceOptions { MaxRetryAttempts = 0, AttemptTimeoutSeconds = 0.2, TotalTimeoutSeconds = 5 },
            (_, _) => HttpStatusCode.OK,
            hang: true);
        using (invoker)
        {
            var watch = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
                invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None));

            Assert.IsType<TimeoutRejectedException>(error.InnerException);
            Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
        }
    }

    [Fact]
    public async Task The_total_timeout_bounds_all_attempts_together()
    {
        var (invoker, server, _) = Build(
            new ResilienceOptions { MaxRetryAttempts = 10, RetryBaseDelayMilliseconds = 1, AttemptTimeoutSeconds = 0.2, TotalTimeoutSeconds = 0.5 },
            (_, _) => HttpStatusCode.OK,
            hang: true);
        using (invoker)
        {
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAsync<HttpRequestException>(() =>
                invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, Destination), CancellationToken.None));

            Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
            Assert.InRange(server.Calls, 1, 3);
        }
    }

    [Fact]
    public async Task Each_destination_has_its_own_breaker()
    {
        var (invoker, _, registry) = Build(new ResilienceOptions { MaxRetryAttempts = 0, BreakerMinimumThroughput = 2 },
            (request, _) => request.RequestUri!.Host == "down.test" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        using (invoker)
        {
            for (var call = 0; call < 2; call++)
            {
                (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("http://down.test/")), CancellationToken.None)).Dispose();
                (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("http://up.test/")), CancellationToken.None)).Dispose();
            }

            var states = registry.Snapshot().ToDictionary(breaker => breaker.Key, breaker => breaker.Value);
            Assert.Equal(BreakerState.Open, states["down.test:80"]);
            Assert.Equal(BreakerState.Closed, states["up.test:80"]);
        }
    }

    [Fact]
    public void Only_idempotent_methods_may_be_retried()
    {
        Assert.All([HttpMethod.Get, HttpMethod.Head, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Options],
            method => Assert.True(HttpTransience.IsIdempotent(method)));
        Assert.All([HttpMethod.Post, HttpMethod.Patch], method => Assert.False(HttpTransience.IsIdempotent(method)));
    }

    private static ResilienceOptions Fast() => new() { MaxRetryAttempts = 2, RetryBaseDelayMilliseconds = 1 };

    private static BreakerState State(CircuitBreakerRegistry registry) => registry.Snapshot().Single().Value;

    private static (HttpMessageInvoker Invoker, ScriptedServer Server, CircuitBreakerRegistry Registry) Build(
        ResilienceOptions options, Func<HttpRequestMessage, int, HttpStatusCode> answer, bool hang = false)
    {
        var registry = new CircuitBreakerRegistry();
        var pipelines = new HttpResiliencePipelines(Options.Create(options), registry, TimeProvider.System, NullLogger<HttpResiliencePipelines>.Instance);
        var server = new ScriptedServer(answer, hang);
        return (new HttpMessageInvoker(new ResilienceHandler(pipelines) { InnerHandler = server }), server, registry);
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
