using AiStack.AppHost.Infrastructure;
using AiStack.AppHost.Stack;
using AiStack.AppHost.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.AppHost.Servers;

/// <summary>
/// The stack's PostgreSQL, Redis and Qdrant, decided once for the profile: the user's own server by connection string
/// (<c>ConnectionStrings__postgres</c>: Aspire's <c>AddConnectionString</c>) in any profile; in the full profile otherwise a server
/// from the machine's binaries; in the published manifest, containers. Embedded: none.
/// </summary>
public static class StackServerExtensions
{
    public static StackPostgres? AddStackPostgres(this IDistributedApplicationBuilder builder, StackOptions stack, string name = "postgres", int defaultPort = 15432)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        if (HasConnectionString(builder, name))
        {
            var external = builder.AddConnectionString(name);
            return new StackPostgres(null, _ => external);
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
            var container = builder.AddPostgres(name, password: password).WithDataVolume();
            // Each service connects as its own role (same name as its database), never as the superuser. The server gets every
            // role's password too, for the script that creates the roles (Publishing/Kubernetes/PostgresRoles).
            return new StackPostgres(container, service =>
            {
                var database = DatabaseNameFor(service);
                var rolePassword = builder.AddParameter($"{name}-{service}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
                container.WithEnvironment(ServiceRoleConnection.PasswordVariable(database), rolePassword);
                var endpoint = container.Resource.PrimaryEndpoint;
                return builder.AddConnectionString($"{service}-db", ReferenceExpression.Create(
                    $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username={database};Password={rolePassword};Database={database}"));
            });
        }

        if (stack.Profile != StackProfile.Full)
        {
            return null;
        }

        var root = Path.Combine(stack.Home, name);
        var local = new LocalPostgres(root, StackOptions.ReadPort(builder.Configuration, name, defaultPort));
        var passwordParameter = builder.AddParameter($"{name}-password", () => LocalServerProcess.ReadOrCreateSecret(local.PasswordFile), secret: true);
        var (command, arguments) = local.ServerCommand();
        var server = new PostgresServerResource(name, command, root, local.Port, passwordParameter.Resource);
        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new PostgresReadyCheck(server, local), null, null));
        var resource = builder.AddResource(server)
            .WithArgs([.. arguments])
            .WithEndpoint(port: local.Port, targetPort: local.Port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck(healthCheck)
            .WithIconName("Database")
            .WithSupervision((line, _) => LogLineClassifier.IsPostgresError(line), PosixSignalNumber.Interrupt)
            .OnBeforeResourceStarted((_, _, cancellationToken) => local.EnsureInitializedAsync(cancellationToken));
        var databases = new List<PostgresDatabaseResource>();
        // A database has no process of its own: it is there (and created) once the server's health check passed.
        resource.OnResourceReady(async (_, ready, cancellationToken) =>
        {
            var notifications = ready.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in databases)
            {
                await notifications.PublishUpdateAsync(database, s => s with { State = new(KnownResourceStates.Running, KnownResourceStateStyles.Success) });
            }
        });
        return new StackPostgres(resource, service =>
        {
            var databaseName = DatabaseNameFor(service);
            var rolePassword = builder.AddParameter($"{name}-{service}-password", () => LocalServerProcess.ReadOrCreateSecret(local.RolePasswordFile(databaseName)), secret: true);
            var database = new PostgresDatabaseResource($"{service}-db", databaseName, server, rolePassword.Resource);
            server.AddDatabase(database.DatabaseName);
            databases.Add(database);
            return builder.AddResource(database)
                .WithParentRelationship(resource)
                .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.Waiting, Properties = [] });
        });
    }

    public static StackServer? AddStackRedis(this IDistributedApplicationBuilder builder, StackOptions stack, string name = "redis", int defaultPort = 16379)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        if (HasConnectionString(builder, name))
        {
            return new StackServer(null, builder.AddConnectionString(name));
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
            var container = builder.AddResource(new RedisContainerResource(name, password.Resource))
                .WithImage("library/redis", "7.4")
                .WithImageRegistry("docker.io")
                .WithEndpoint(targetPort: 6379, name: "tcp", scheme: "tcp")
                .WithArgs("--requirepass", password.Resource);
            return new StackServer(container, container);
        }

        if (stack.Profile != StackProfile.Full)
        {
            return null;
        }

        var root = Path.Combine(stack.Home, name);
        var local = new LocalRedis(root, StackOptions.ReadPort(builder.Configuration, name, defaultPort));
        var passwordParameter = builder.AddParameter($"{name}-password", () => LocalServerProcess.ReadOrCreateSecret(local.PasswordFile), secret: true);
        var server = new RedisServerResource(name, LocalRedis.FindServer(), root, local.Port, passwordParameter.Resource);
        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new RedisReadyCheck(local.Port, local.PasswordFile), null, null));
        var resource = builder.AddResource(server)
            .WithArgs(Path.Combine(root, "redis.conf"))
            .WithEndpoint(port: local.Port, targetPort: local.Port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck(healthCheck)
            .WithIconName("Memory")
            .WithSupervision((line, _) => LogLineClassifier.IsRedisError(line))
            .OnBeforeResourceStarted((_, _, _) =>
            {
                local.WriteConfigurationFile();
                return Task.CompletedTask;
            });
        return new StackServer(resource, resource);
    }

    /// <summary>Qdrant is never started here (it cannot be installed on these machines): the user's endpoint, or a container when published.</summary>
    public static StackServer? AddStackQdrant(this IDistributedApplicationBuilder builder, string name = "qdrant")
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (HasConnectionString(builder, name))
        {
            return new StackServer(null, builder.AddConnectionString(name));
        }

        if (!builder.ExecutionContext.IsPublishMode)
        {
            return null;
        }

        var container = builder.AddResource(new QdrantContainerResource(name))
            .WithImage("qdrant/qdrant", "v1.13.4")
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 6333, name: "http")
            .WithVolume($"{name}-data", "/qdrant/storage");
        return new StackServer(container, container);
    }

    /// <summary>The server's connection string as <c>ConnectionStrings__{name}</c>; waits for the server when the stack runs it.</summary>
    public static IResourceBuilder<T> WithServer<T>(this IResourceBuilder<T> builder, StackServer? server, string connectionName)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (server is null)
        {
            return builder;
        }

        builder.WithReference(server.ConnectionString, connectionName);
        return server.Server is { } started ? builder.WaitFor(started) : builder;
    }

    /// <summary>A database of its own on the stack's PostgreSQL, as <c>ConnectionStrings__postgres</c>.</summary>
    public static IResourceBuilder<T> WithDatabase<T>(this IResourceBuilder<T> builder, StackPostgres? postgres)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (postgres is null)
        {
            return builder;
        }

        builder.WithReference(postgres.DatabaseFor(builder.Resource.Name), "postgres");
        return postgres.Server is { } started ? builder.WaitFor(started) : builder;
    }

    public static string DatabaseNameFor(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Replace('-', '_');
    }

    private static bool HasConnectionString(IDistributedApplicationBuilder builder, string name) =>
        !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name));
}

/// <summary>How the published PostgreSQL hands each service's role its password.</summary>
public static class ServiceRoleConnection
{
    /// <summary>The server's environment variable with the password of the role <paramref name="role"/>.</summary>
    public static string PasswordVariable(string role) =>
        "AISTACK_ROLE_PASSWORD_" + string.Concat(role.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));
}

/// <summary>A server the services reference: the resource to wait for (null for the user's own), and its connection string.</summary>
public sealed record StackServer(IResourceBuilder<IResource>? Server, IResourceBuilder<IResourceWithConnectionString> ConnectionString);

/// <summary>PostgreSQL: the resource to wait for (null for the user's own), and each service's database connection.</summary>
public sealed record StackPostgres(IResourceBuilder<IResource>? Server, Func<string, IResourceBuilder<IResourceWithConnectionString>> DatabaseFor);
