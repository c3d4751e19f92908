using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace AiStack.ServiceDefaults.Hosting;

public static class RedisClientExtensions
{
    /// <summary>The connection name every service reads Redis from (<c>ConnectionStrings__redis</c>, set by the AppHost).</summary>
    public const string ConnectionName = "redis";

    /// <summary>
    /// Registers the shared <c>IConnectionMultiplexer</c> through Aspire's client integration (traces of every command in the
    /// service's OpenTelemetry) when <c>ConnectionStrings:redis</c> is set; returns whether it was. Redis is a cache here, never a
    /// dependency: the multiplexer connects in the background and keeps retrying, operations time out within 3 s, and Aspire's
    /// health check stays off so that a Redis outage never makes a service unready.
    /// </summary>
    public static bool AddStackRedisClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        try
        {
            _ = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionName} is not a StackExchange.Redis configuration ({ex.Message}); expected e.g. 'localhost:6379,password=secret'.", ex);
        }

        builder.AddRedisClient(ConnectionName, settings => settings.DisableHealthChecks = true, options =>
        {
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = Math.Min(options.ConnectTimeout, 3000);
            options.SyncTimeout = Math.Min(options.SyncTimeout, 3000);
        });
        return true;
    }
}
