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

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => Database.Create(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        builder.Services.AddSingleton(migrations);
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [HealthTags.Critical]);
        return builder;
    }
}
