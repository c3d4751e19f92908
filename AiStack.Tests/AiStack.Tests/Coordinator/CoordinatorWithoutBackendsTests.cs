using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AiStack.Tests.Coordinator;

/// <summary>A Coordinator with no model configured starts, and every query gets a clear 503 naming the settings to set.</summary>
public sealed class CoordinatorWithoutBackendsTests : IClassFixture<CoordinatorWithoutBackendsTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public CoordinatorFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    private readonly HttpClient _client;

    public CoordinatorWithoutBackendsTests(Fixture fixture) => _client = fixture.Factory.CreateClient();

    [Fact]
    public async Task Query_without_any_backend_is_503_naming_the_settings()
    {
        var response = await _client.PostAsJsonAsync("/query", new { prompt = "How do I configure the cache?" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("Inference__ModelPath", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Remote__Endpoint", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_completion_without_any_backend_is_503_with_an_openai_error_object()
    {
        var response = await _client.PostAsJsonAsync("/v1/chat/completions", new { model = "aistack-hybrid", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("no_backend", problem!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Query_without_prompt_is_400()
    {
        var response = await _client.PostAsJsonAsync("/query", new { mode = "auto" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("prompt", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_longer_than_the_limit_is_400_naming_the_limit()
    {
        var response = await _client.PostAsJsonAsync("/query", new { prompt = new string('x', 40_000) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("32000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_model_is_404_model_not_found()
    {
        var response = await _client.PostAsJsonAsync("/v1/chat/completions", new { model = "gpt-17", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("model_not_found", problem!["error"]!["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"model":"aistack-hybrid","messages":[]}""", "messages")]
    [InlineData("""{"model":"aistack-hybrid","messages":[{"role":"wizard","content":"hi"}]}""", "role")]
    [InlineData("""{"model":"aistack-hybrid","messages":[{"role":"user","content":42}]}""", "content")]
    [InlineData("""{"model":"aistack-hybrid","messages":[{"role":"user","content":"hi"}],"stop":[1,2]}""", "stop")]
    [InlineData("""{"model":"aistack-hybrid","messages":[{"role":"user","content":"hi"}],"n":3}""", "n > 1")]
    public async Task Invalid_chat_requests_are_400_saying_what_is_wrong(string body, string mentioned)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await _client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_lists_only_the_hybrid_model_when_no_backend_is_configured()
    {
        var models = await _client.GetFromJsonAsync<JsonObject>("/v1/models");
        var ids = models!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["aistack-hybrid"], ids);
        var remote = await _client.GetAsync(new Uri("/v1/models/aistack-remote", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, remote.StatusCode);
        var error = (await remote.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
        Assert.Equal("model", error["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Feedback_without_correction_or_outcome_is_400()
    {
        var response = await _client.PostAsJsonAsync("/feedback", new { notes = "nothing to say" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Feedback_for_an_unknown_interaction_is_404()
    {
        var response = await _client.PostAsJsonAsync("/feedback", new { interaction_id = "int_missing", outcome = "success" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Stats_report_both_backends_as_not_configured()
    {
        var stats = await _client.GetFromJsonAsync<JsonObject>("/stats");
        Assert.False(stats!["backends"]!["local"]!["configured"]!.GetValue<bool>());
        Assert.False(stats["backends"]!["remote"]!["configured"]!.GetValue<bool>());
        Assert.Equal("CLOSED", stats["backends"]!["local"]!["circuit_breaker"]!.GetValue<string>());
    }
}
