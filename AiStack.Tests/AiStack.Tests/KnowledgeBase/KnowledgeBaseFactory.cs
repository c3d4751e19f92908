using System.Net.Http.Json;
using System.Text.Json;
using AiStack.KnowledgeBase;
using AiStack.Storage;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>
/// The KnowledgeBase in-process on a test server, configured like the AppHost would: a SQLite file (or a PostgreSQL database),
/// optionally Redis and Qdrant, and an API key that every client sends as X-API-Key.
/// </summary>
public sealed class KnowledgeBaseFactory : WebApplicationFactory<KnowledgeBaseEntryPoint>
{
    public const string ApiKey = "kb-test-api-key";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Dictionary<string, string?> _settings;
    private readonly string? _ownedFolder;

    public KnowledgeBaseFactory(string? sqlitePath = null, string? postgres = null, string? redis = null, string? qdrant = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        _ownedFolder = sqlitePath is null ? Infrastructure.TestDirectories.Create("kb") : null;
        SqlitePath = sqlitePath ?? Path.Combine(_ownedFolder!, "knowledgebase.db");
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Security:ApiKey"] = ApiKey,
            ["Storage:SqlitePath"] = SqlitePath,
            ["ConnectionStrings:postgres"] = postgres ?? "",
            ["ConnectionStrings:redis"] = redis ?? "",
            ["ConnectionStrings:qdrant"] = qdrant ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
            // Most tests send more than 60 requests a minute; KnowledgeBaseSecurityTests turns the limiter back on.
            ["RateLimiting:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string SqlitePath { get; }

    /// <summary>Keep the SQLite file after disposal, for tests that restart the service on it.</summary>
    public bool PreserveFilesOnDispose { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// Builds and starts the service directly (not through the factory) with <paramref name="settings"/> and returns why the start
    /// failed. Through WebApplicationFactory a failed start can surface as the factory's own ObjectDisposedException (a race
    /// between the entry point's exit and the factory), hiding the message a test wants to read.
    /// </summary>
    public static async Task<Exception> StartFailureAsync(IDictionary<string, string?> settings)
    {
        var folder = Infrastructure.TestDirectories.Create("kb-start");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(KnowledgeBaseEntryPoint).Assembly.GetName().Name });
        builder.WebHost.UseTestServer();
        var values = new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = ApiKey,
            ["Storage:SqlitePath"] = Path.Combine(folder, "knowledgebase.db"),
            ["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(folder, "spool"),
            ["Startup:DependencyWaitSeconds"] = "2",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        try
        {
            // Some settings are read while the services are registered (a bad connection string fails here, before the start).
            builder.AddKnowledgeBase();
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }

        await using var app = builder.Build();
        app.MapKnowledgeBaseEndpoints();
        app.MapDefaultEndpoints();
        try
        {
            await app.StartAsync();
            var stopped = new TaskCompletionSource();
            using var registration = app.Lifetime.ApplicationStopping.Register(() => stopped.TrySetResult());
            // A dependency that is down stops the service after its start-up wait rather than failing StartAsync.
            await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return new InvalidOperationException(app.Services.GetRequiredService<AiStack.ServiceDefaults.Hosting.StartupState>().Message);
        }
        catch (OperationCanceledException) when (app.Services.GetRequiredService<AiStack.ServiceDefaults.Hosting.StartupState>().Phase == AiStack.ServiceDefaults.Hosting.StartupPhase.Failed)
        {
            // The start-up dependency check gave up and stopped the service while it was still starting.
            return new InvalidOperationException(app.Services.GetRequiredService<AiStack.ServiceDefaults.Hosting.StartupState>().Message);
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            return ex;
        }
        finally
        {
            Infrastructure.TestDirectories.Delete(folder);
        }
    }

    /// <summary>A client that sends the API key, as every real caller must.</summary>
    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    public async Task<(long Documents, long Chunks)> CountRowsAsync()
    {
        var database = Services.GetRequiredService<Database>();
        await using var connection = await database.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM documents"),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM chunks"));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownedFolder is not null && !PreserveFilesOnDispose)
        {
            Infrastructure.TestDirectories.Delete(_ownedFolder);
        }

        GC.SuppressFinalize(this);
    }
}

public static class KnowledgeBaseClientExtensions
{
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, KnowledgeBaseFactory.Json)!;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, KnowledgeBaseFactory.Json);
}
