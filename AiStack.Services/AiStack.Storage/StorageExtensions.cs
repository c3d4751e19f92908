using AiStack.ServiceDefaults;
using AiStack.ServiceDefaults.Hosting;
using AiStack.Storage.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AiStack.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// Registers the service's <see cref="Database"/> (PostgreSQL when <c>ConnectionStrings:postgres</c> is set, else the SQLite file
    /// <c>Storage:SqlitePath</c>, default <c>{AISTACK_HOME}/data/{serviceName}.db</c>), applies <paramref name="migrations"/> at
    /// start-up before other hosted services run, and adds the critical <c>database</c> health check.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase(this IHostApplicationBuilder builder, string serviceName, MigrationSet migrations)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(migrations);

        builder.Services.AddOptions<DatabaseOptions>()
            .Bind(builder.Configuration.GetSection(DatabaseOptions.SectionName))
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.PostgresConnectionString ??= configuration.GetConnectionString("postgres");
                if (string.IsNullOrWhiteSpace(options.SqlitePath))
                {
                    options.SqlitePath = Path.Combine(AiStackPaths.DataDirectory, serviceName + ".db");
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // PostgreSQL through Aspire's client integration: one pooled NpgsqlDataSource in DI, with Npgsql's traces and metrics in the
        // service's OpenTelemetry. Its own health check stays off: the critical "database" check below names the fix.
        var postgres = builder.Configuration[$"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.PostgresConnectionString)}"] is { Length: > 0 } configured
            ? configured
            : builder.Configuration.GetConnectionString("postgres");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            builder.AddNpgsqlDataSource("postgres", settings =>
            {
                settings.ConnectionString = postgres;
                settings.DisableHealthChecks = true;
            });
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => Database.Create(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, sp.GetService<Npgsql.NpgsqlDataSource>()));
        builder.Services.AddSingleton(migrations);
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [HealthTags.Critical]);
        return builder;
    }
}
