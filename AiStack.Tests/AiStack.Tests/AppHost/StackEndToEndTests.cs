using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace AiStack.Tests.AppHost;

/// <summary>What every profile must do, proven against the real AppHost (Aspire.Hosting.Testing) and the processes DCP runs for it.</summary>
public abstract class StackEndToEndTests(StackFixture fixture, ITestOutputHelper output)
{
    protected AspireStack Host => fixture.Host;

    [Fact]
    public async Task Every_resource_reaches_Ready()
    {
        output.WriteLine($"launch to all-ready: {fixture.StartupTime.TotalSeconds:0.00} s");

        var resources = await Host.GetResourcesAsync();

        Assert.Equal(fixture.ExpectedResources.Order(), resources.Select(r => r.GetProperty("name").GetString()!).Order());
        Assert.All(resources, r => Assert.Equal("Ready", r.GetProperty("state").GetString()));
        Assert.All(resources, r => Assert.True(StackHost.IsAlive(r.GetProperty("pid").GetInt32())));
    }

    [Fact]
    public async Task Each_service_is_given_aspire_discovery_connection_strings_and_the_stacks_settings()
    {
        var knowledgebase = await Host.GetResourceAsync("knowledgebase");
        var environment = ProcessEnvironment(knowledgebase.GetProperty("pid").GetInt32());
        var full = fixture.ExpectedResources.Contains("postgres");

        Assert.StartsWith("http://", environment["services__learning__http__0"], StringComparison.Ordinal);
        Assert.EndsWith($":{Host.Ports["learning"]}", environment["services__learning__http__0"].TrimEnd('/'), StringComparison.Ordinal);
        Assert.Equal($"http://127.0.0.1:{Host.Ports["knowledgebase"]}", environment["URLS"]);
        Assert.Equal(Host.ApiKey, environment["Security__ApiKey"]);
        Assert.Equal(Host.Home, environment["AISTACK_HOME"]);
        Assert.Equal(full ? "full" : "embedded", environment["AISTACK_PROFILE"]);
        Assert.Contains(environment["AISTACK_TIER"], new[] { "small", "medium", "large" });
        Assert.True(int.Parse(environment["Inference__Threads"], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("knowledgebase", environment["OTEL_SERVICE_NAME"]);
        if (full)
        {
            Assert.Contains($"Port={Host.Ports["postgres"]}", environment["ConnectionStrings__postgres"], StringComparison.Ordinal);
            Assert.Contains("Database=knowledgebase", environment["ConnectionStrings__postgres"], StringComparison.Ordinal);
            Assert.StartsWith($"127.0.0.1:{Host.Ports["redis"]},password=", environment["ConnectionStrings__redis"], StringComparison.Ordinal);
            var learning = ProcessEnvironment((await Host.GetResourceAsync("learning")).GetProperty("pid").GetInt32());
            Assert.Contains("Database=learning", learning["ConnectionStrings__postgres"], StringComparison.Ordinal);
        }
        else
        {
            Assert.False(environment.ContainsKey("ConnectionStrings__postgres"));
            Assert.False(environment.ContainsKey("ConnectionStrings__redis"));
        }

        Assert.False(environment.ContainsKey("ConnectionStrings__qdrant"), "Qdrant is passed only when given");
    }

    [Fact]
    public async Task The_control_API_refuses_requests_without_the_key()
    {
        using var withoutKey = await Host.Control.GetAsync(new Uri("/api/resources", UriKind.Relative));
        using var wrongKey = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/resources/knowledgebase/restart", UriKind.Relative));
        wrongKey.Headers.Add("X-API-Key", "ak_wrong");
        using var wrongKeyResponse = await Host.Control.SendAsync(wrongKey);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal("application/problem+json", withoutKey.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKeyResponse.StatusCode);
    }

    [Fact]
    public async Task Logs_of_a_resource_are_served_with_a_tail()
    {
        using var response = await Host.Control.SendAsync(Host.Authorized(HttpMethod.Get, "/api/resources/knowledgebase/logs?tail=2"));
        response.EnsureSuccessStatusCode();
        var logs = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("knowledgebase", logs.GetProperty("name").GetString());
        Assert.InRange(logs.GetProperty("lines").GetArrayLength(), 1, 2);
    }

    [Fact]
    public async Task A_killed_knowledgebase_is_restarted_and_ready_again()
    {
        var before = await Host.WaitForResourceAsync("knowledgebase", r => r.GetProperty("state").GetString() == "Ready", TimeSpan.FromSeconds(60));
        var pid = before.GetProperty("pid").GetInt32();
        var restarts = before.GetProperty("restart_count").GetInt32();

        System.Diagnostics.Process.GetProcessById(pid).Kill();
        var after = await Host.WaitForResourceAsync(
            "knowledgebase",
            r => r.GetProperty("state").GetString() == "Ready" && r.GetProperty("restart_count").GetInt32() > restarts,
            TimeSpan.FromSeconds(120));

        Assert.Equal(restarts + 1, after.GetProperty("restart_count").GetInt32());
        Assert.NotEqual(pid, after.GetProperty("pid").GetInt32());
        Assert.False(StackHost.IsAlive(pid));
        Assert.Equal(137, after.GetProperty("exit_code").GetInt32());
        Assert.Contains(after.GetProperty("recent_errors").EnumerateArray(),
            e => e.GetProperty("text").GetString()!.Contains("exited with code 137", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restarting_one_resource_through_the_control_API_gives_it_a_new_process()
    {
        var before = await Host.WaitForResourceAsync("knowledgebase", r => r.GetProperty("state").GetString() == "Ready", TimeSpan.FromSeconds(60));

        using var response = await Host.Control.SendAsync(Host.Authorized(HttpMethod.Post, "/api/resources/knowledgebase/restart"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var after = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("Ready", after.GetProperty("state").GetString());
        Assert.NotEqual(before.GetProperty("pid").GetInt32(), after.GetProperty("pid").GetInt32());
        Assert.Equal(before.GetProperty("restart_count").GetInt32() + 1, after.GetProperty("restart_count").GetInt32());
        Assert.False(StackHost.IsAlive(before.GetProperty("pid").GetInt32()));
    }

    [Fact]
    public async Task Restarting_all_resources_brings_every_one_back_ready()
    {
        var before = (await Host.GetResourcesAsync()).ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("pid").GetInt32());

        using var response = await Host.Control.SendAsync(Host.Authorized(HttpMethod.Post, "/api/resources/restart"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var after = await response.Content.ReadFromJsonAsync<List<JsonElement>>();

        Assert.Equal(before.Count, after!.Count);
        Assert.All(after, r => Assert.Equal("Ready", r.GetProperty("state").GetString()));
        Assert.All(after, r => Assert.NotEqual(before[r.GetProperty("name").GetString()!], r.GetProperty("pid").GetInt32()));
    }

    /// <summary>
    /// The KnowledgeBase contract of issue 2 end to end through the AppHost. Fails until the KnowledgeBase service (documents and
    /// /context) is merged: the placeholder service only has health endpoints.
    /// </summary>
    [Fact]
    public async Task A_document_is_found_through_context_and_survives_a_knowledgebase_restart()
    {
        var knowledgebase = await Host.WaitForResourceAsync("knowledgebase", r => r.GetProperty("state").GetString() == "Ready", TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri(knowledgebase.GetProperty("url").GetString()!) };
        client.DefaultRequestHeaders.Add("X-API-Key", Host.ApiKey);
        var marker = "zephyrquartz" + Guid.NewGuid().ToString("N")[..8];
        var source = $"e2e/{marker}.md";

        using var posted = await client.PostAsJsonAsync(new Uri("/documents", UriKind.Relative), new
        {
            project = "e2e",
            title = "Supervisor restart notes",
            content = $"The {marker} procedure restarts a crashed service with exponential backoff and reports crash loops.",
            source,
        });
        Assert.True(posted.IsSuccessStatusCode, $"POST /documents: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        Assert.Contains(source, await QueryContextAsync(client, marker), StringComparison.Ordinal);

        System.Diagnostics.Process.GetProcessById(knowledgebase.GetProperty("pid").GetInt32()).Kill();
        var pid = knowledgebase.GetProperty("pid").GetInt32();
        await Host.WaitForResourceAsync(
            "knowledgebase",
            r => r.GetProperty("state").GetString() == "Ready" && r.GetProperty("pid").GetInt32() != pid,
            TimeSpan.FromSeconds(60));

        // Known gap: right after a SIGKILL the control API can report Ready a moment before the new process listens (seen
        // under load); the document must be there once it does.
        Assert.Contains(source, await QueryContextOnceListeningAsync(client, marker), StringComparison.Ordinal);
    }

    private static async Task<string> QueryContextOnceListeningAsync(HttpClient client, string query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await QueryContextAsync(client, query);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The KnowledgeBase's outbox ships its document_indexed event to the Learning service started by the same AppHost.</summary>
    [Fact]
    public async Task A_knowledgebase_event_reaches_learning_through_the_outbox()
    {
        var knowledgebase = await Host.WaitForResourceAsync("knowledgebase", r => r.GetProperty("state").GetString() == "Ready", TimeSpan.FromSeconds(60));
        var learning = await Host.WaitForResourceAsync("learning", r => r.GetProperty("state").GetString() == "Ready", TimeSpan.FromSeconds(60));
        using var kb = new HttpClient { BaseAddress = new Uri(knowledgebase.GetProperty("url").GetString()!) };
        kb.DefaultRequestHeaders.Add("X-API-Key", Host.ApiKey);
        using var client = new HttpClient { BaseAddress = new Uri(learning.GetProperty("url").GetString()!) };
        client.DefaultRequestHeaders.Add("X-API-Key", Host.ApiKey);
        var source = $"e2e/outbox-{Guid.NewGuid():N}.md";

        using var posted = await kb.PostAsJsonAsync(new Uri("/documents", UriKind.Relative), new
        {
            project = "e2e", title = "Outbox notes", content = "Events wait in the spool until the Learning service takes them.", source,
        });
        Assert.True(posted.IsSuccessStatusCode, $"POST /documents: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var body = "";
        while (DateTime.UtcNow < deadline && !body.Contains(source, StringComparison.Ordinal))
        {
            await Task.Delay(500);
            body = await client.GetStringAsync(new Uri("/events?type=document_indexed&limit=5000", UriKind.Relative));
        }

        Assert.Contains(source, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Learnings_own_events_reach_its_event_store_through_its_outbox()
    {
        var learning = await Host.WaitForResourceAsync("learning", r => r.GetProperty("state").GetString() == "Ready", TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri(learning.GetProperty("url").GetString()!) };
        client.DefaultRequestHeaders.Add("X-API-Key", Host.ApiKey);

        using var exported = await client.PostAsync(new Uri("/learning/export", UriKind.Relative), null);
        Assert.True(exported.IsSuccessStatusCode, await exported.Content.ReadAsStringAsync());

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var body = "";
        while (DateTime.UtcNow < deadline && !body.Contains("\"source\":\"learning\"", StringComparison.Ordinal))
        {
            await Task.Delay(500);
            body = await client.GetStringAsync(new Uri("/events?type=dataset_exported&limit=100", UriKind.Relative));
        }

        Assert.Contains("\"source\":\"learning\"", body, StringComparison.Ordinal);
    }

    protected static Dictionary<string, string> ProcessEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2))
            .GroupBy(e => e[0])
            .ToDictionary(g => g.Key, g => g.Last().Length > 1 ? g.Last()[1] : "");

    private static async Task<string> QueryContextAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/context", UriKind.Relative), new { query });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /context: {(int)response.StatusCode} {body}");
        return body;
    }
}

[Collection(EmbeddedStackCollection.Name)]
public sealed class EmbeddedStackTests(EmbeddedStackFixture fixture, ITestOutputHelper output) : StackEndToEndTests(fixture, output);

[Collection(FullStackCollection.Name)]
public sealed class FullStackTests(FullStackFixture fixture, ITestOutputHelper output) : StackEndToEndTests(fixture, output)
{
    [Fact]
    public async Task Each_service_reaches_postgres_as_its_own_role_which_cannot_open_another_services_database()
    {
        var knowledgebase = await Host.GetResourceAsync("knowledgebase");
        var environment = ProcessEnvironment(knowledgebase.GetProperty("pid").GetInt32());
        var own = new Npgsql.NpgsqlConnectionStringBuilder(environment["ConnectionStrings__postgres"]);
        var ralphs = new Npgsql.NpgsqlConnectionStringBuilder(own.ConnectionString) { Database = "ralph", Pooling = false };

        await using (var connection = new Npgsql.NpgsqlConnection(own.ConnectionString))
        {
            await connection.OpenAsync();
            await using var whoami = new Npgsql.NpgsqlCommand("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)", connection);
            await using var reader = await whoami.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("knowledgebase", reader.GetString(0));
            Assert.False(reader.GetBoolean(1));
        }

        await using var other = new Npgsql.NpgsqlConnection(ralphs.ConnectionString);
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => other.OpenAsync());
        Assert.Equal("42501", refused.SqlState); // insufficient_privilege: permission denied for database "ralph"
    }
}
