using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AiStack.Tests.ServiceDefaults;

public sealed class ProblemDetailsTests : IAsyncLifetime
{
    private TestServiceApp _service = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map,
            settings: new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = "2048" });
        _client = _service.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
    }

    [Fact]
    public async Task Malformed_json_gets_400_saying_where_the_json_broke()
    {
        var problem = await Send(HttpMethod.Post, "/notes", Json("{\"title\": \"t\", \"priority\": 1"), HttpStatusCode.BadRequest);

        Assert.Contains("not valid JSON", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_gets_400_naming_the_field_and_the_expected_type()
    {
        var problem = await Send(HttpMethod.Post, "/notes", Json("{\"title\": \"t\", \"priority\": \"high\"}"), HttpStatusCode.BadRequest);

        Assert.Contains("$.priority", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("should be an integer", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("AiStack.", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_boolean_where_a_number_belongs_gets_400_saying_a_number_was_expected()
    {
        var problem = await Send(HttpMethod.Post, "/notes", Json("{\"title\": \"t\", \"priority\": true}"), HttpStatusCode.BadRequest);

        Assert.Contains("'$.priority' should be a number", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_gets_400()
    {
        var problem = await Send(HttpMethod.Get, "/notes?limit=many", null, HttpStatusCode.BadRequest);

        Assert.Contains("limit", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_declared_limit_gets_413()
    {
        var body = "{\"title\": \"" + new string('x', 4096) + "\", \"priority\": 1}";

        var problem = await Send(HttpMethod.Post, "/notes", Json(body), HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("Limits:MaxRequestBodyBytes", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_that_grows_past_the_limit_gets_413()
    {
        var body = "{\"title\": \"" + new string('x', 4096) + "\", \"priority\": 1}";
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");

        var problem = await Send(HttpMethod.Post, "/notes", content, HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("2048 bytes", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Kestrel_refuses_an_oversized_body_with_413_problem_details(bool chunked)
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map, kestrel: true,
            settings: new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = "2048" });
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Add("X-API-Key", TestServiceApp.ApiKey);
        var body = Encoding.UTF8.GetBytes("{\"title\": \"" + new string('x', 64 * 1024) + "\", \"priority\": 1}");
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync(new Uri("/notes", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_endpoint_with_its_own_body_limit_takes_larger_bodies_on_kestrel_and_still_refuses_beyond_it()
    {
        await using var service = await TestServiceApp.StartAsync(kestrel: true,
            map: app => app.MapPost("/upload", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                return Results.Ok(new { bytes = body.Length });
            }).WithRequestBodyLimit(16 * 1024),
            settings: new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = "2048" });
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Add("X-API-Key", TestServiceApp.ApiKey);

        using var accepted = await client.PostAsync(new Uri("/upload", UriKind.Relative), new StreamContent(new NonSeekableStream(new byte[8 * 1024])));
        using var refused = await client.PostAsync(new Uri("/upload", UriKind.Relative), new StreamContent(new NonSeekableStream(new byte[32 * 1024])));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("16384 bytes", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_route_gets_404()
    {
        var problem = await Send(HttpMethod.Get, "/nothing/here", null, HttpStatusCode.NotFound);

        Assert.Contains("/nothing/here", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_method_the_route_does_not_accept_gets_405() =>
        await Send(HttpMethod.Patch, "/notes", Json("{}"), HttpStatusCode.MethodNotAllowed);

    [Fact]
    public async Task A_wrong_content_type_gets_415() =>
        await Send(HttpMethod.Post, "/notes", new StringContent("title=t", Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType);

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task An_unhandled_exception_gets_500_with_a_trace_id_and_no_internals(string environment)
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map, environment: environment);
        using var client = service.Client();

        using var response = await client.GetAsync(new Uri("/fail", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        // Every service writes snake_case JSON, problem-details extensions included.
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("trace_id").GetString()));
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.Contains(service.Logs.Lines, line => line.Level == Microsoft.Extensions.Logging.LogLevel.Error && line.Message.Contains("/fail", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_valid_request_still_works()
    {
        using var response = await _client.PostAsJsonAsync(new Uri("/notes", UriKind.Relative), new { title = "t", priority = 2, tags = new[] { "a" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<Microsoft.AspNetCore.Mvc.ProblemDetails> Send(HttpMethod method, string path, HttpContent? content, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<Microsoft.AspNetCore.Mvc.ProblemDetails>(text, JsonSerializerOptions.Web)!;
        Assert.Equal((int)expected, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        return problem;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A body of unknown length, so it goes out chunked, as a streaming client would send it.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
