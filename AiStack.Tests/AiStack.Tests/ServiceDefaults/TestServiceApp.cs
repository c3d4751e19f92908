using System.Collections.Concurrent;
using AiStack.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>
/// A small service built exactly as a real one is (AddServiceDefaults, its own endpoints, MapDefaultEndpoints),
/// hosted on the in-memory test server or, where real sockets matter, on Kestrel at a free port.
/// </summary>
internal sealed class TestServiceApp : IAsyncDisposable
{
    public const string ApiKey = "test-api-key-0123456789";

    private TestServiceApp(WebApplication app, LogSink logs)
    {
        App = app;
        Logs = logs;
    }

    public WebApplication App { get; }

    public LogSink Logs { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<TestServiceApp> StartAsync(
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        IDictionary<string, string?>? settings = null,
        bool kestrel = false,
        bool waitForStartup = true,
        string environment = "Production")
    {
        var app = Build(configure, map, settings, kestrel, out var logs, environment);
        await app.StartAsync();
        // Start-up checks run in the background; tests about a running service want them done.
        var startup = app.Services.GetRequiredService<StartupState>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (waitForStartup && startup.Phase == StartupPhase.WaitingForDependencies && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return new TestServiceApp(app, logs);
    }

    /// <summary>Builds without starting, for tests about what happens at start.</summary>
    public static WebApplication Build(
        Action<WebApplicationBuilder>? configure,
        Action<WebApplication>? map,
        IDictionary<string, string?>? settings,
        bool kestrel,
        out LogSink logs,
        string environment = "Production")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(TestServiceApp).Assembly.GetName().Name,
            EnvironmentName = environment,
        });
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        var values = new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = ApiKey,
            ["OTEL_SERVICE_NAME"] = "test-service",
            ["Startup:DependencyWaitSeconds"] = "5",
            ["Startup:DependencyRetrySeconds"] = "0.05",
        };
        foreach (var setting in settings ?? new Dictionary<string, string?>())
        {
            values[setting.Key] = setting.Value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        logs = new LogSink();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(logs);
        builder.AddServiceDefaults();
        configure?.Invoke(builder);

        var app = builder.Build();
        map?.Invoke(app);
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>A client for the in-memory server, with the API key unless told otherwise.</summary>
    public HttpClient Client(bool withApiKey = true)
    {
        var client = App.GetTestClient();
        if (withApiKey)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        }

        return client;
    }

    /// <summary>The Kestrel address of a service started with <c>kestrel: true</c>.</summary>
    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Keeps every log line the service writes, so tests can read what an operator would see.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._lines.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
