using System.Globalization;
using AiStack.AppHost.Publishing.Kubernetes;
using AiStack.Tests.Infrastructure;
using k8s.Models;
using Npgsql;

namespace AiStack.Tests.Publishing;

/// <summary>
/// The published PostgreSQL gives each service a role of its own: the services connect with it, never as the superuser, and the
/// server's init script (run here against a real PostgreSQL) creates the roles with the passwords from the Secret.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class PostgresRolesTests(PostgresFixture postgres, PublishedStack stack) : IClassFixture<PublishedStack>
{
    private static readonly string[] Services = ["knowledgebase", "learning", "ralph"];

    [Fact]
    public void Each_service_connects_as_its_own_role_with_its_own_secret_and_never_sees_the_superuser_password()
    {
        var deployments = PublishedStack.OfKind<V1Deployment>(stack.Base).ToDictionary(d => d.Metadata.Name);
        foreach (var service in Services)
        {
            var env = deployments[service].Spec.Template.Spec.Containers[0].Env.ToDictionary(v => v.Name);
            var variable = "AISTACK_SECRET_POSTGRES_" + service.ToUpperInvariant() + "_PASSWORD";

            Assert.Equal($"Host=postgres;Port=5432;Username={service};Password=$({variable});Database={service}", env["ConnectionStrings__postgres"].Value);
            Assert.Equal($"postgres-{service}-password", env[variable].ValueFrom.SecretKeyRef.Key);
        }

        Assert.All(PublishedStack.Pods(stack.Base).Where(p => p.Owner != "postgres" && p.Owner != PostgresBackup.BackupName), pod =>
            Assert.DoesNotContain(pod.Pod.Containers.SelectMany(c => c.Env ?? []), v => v.ValueFrom?.SecretKeyRef?.Key == "postgres-password"));
    }

    [Fact]
    public void The_server_is_given_every_roles_password_and_an_executable_init_script_that_creates_each_role()
    {
        var server = Assert.Single(PublishedStack.OfKind<V1StatefulSet>(stack.Base), s => s.Metadata.Name == "postgres").Spec.Template.Spec;
        var env = server.Containers[0].Env.ToDictionary(v => v.Name);
        var script = InitScript();
        var initdb = Assert.Single(server.Volumes, v => v.ConfigMap?.Name == PostgresBackup.InitConfigMapName);

        Assert.Equal(0b101_101_101, initdb.ConfigMap.DefaultMode);
        foreach (var service in Services)
        {
            var variable = "AISTACK_ROLE_PASSWORD_" + service.ToUpperInvariant();
            Assert.Equal($"postgres-{service}-password", env[variable].ValueFrom.SecretKeyRef.Key);
            Assert.Contains($"ensure_role '{service}' '{service}' \"${{{variable}:-}}\"", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_init_script_makes_roles_that_reach_only_their_own_database_and_takes_a_rotated_password_when_run_again()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (first, second) = ($"k3s_a_{suffix}", $"k3s_b_{suffix}");
        // Passwords of this test's throwaway roles, made afresh each run.
        var (passwordA, rotatedA, passwordB) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        // The rendered script with the app model's roles replaced by two of this test's, so that it leaves the shared server as it was.
        var script = string.Join('\n', InitScript().Split('\n').Where(line => !line.StartsWith("ensure_role '", StringComparison.Ordinal)))
            + $"\nensure_role '{first}' '{first}' \"$PASSWORD_A\"\nensure_role '{second}' '{second}' \"$PASSWORD_B\"\n";
        var admin = new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString);
        Dictionary<string, string> Environment(string passwordOfA) => new()
        {
            ["PATH"] = ExternalTool.PostgresBin("psql") + ":" + System.Environment.GetEnvironmentVariable("PATH"),
            ["PGHOST"] = admin.Host!,
            ["PGPORT"] = admin.Port.ToString(CultureInfo.InvariantCulture),
            ["POSTGRES_USER"] = admin.Username!,
            ["POSTGRES_PASSWORD"] = admin.Password ?? string.Empty,
            ["PASSWORD_A"] = passwordOfA,
            ["PASSWORD_B"] = passwordB,
        };

        try
        {
            var created = await ExternalTool.RunAsync("/bin/sh", ["-c", script], environment: Environment(passwordA));
            var rotated = await ExternalTool.RunAsync("/bin/sh", ["-c", script], environment: Environment(rotatedA));

            Assert.True(created.ExitCode == 0, created.All);
            Assert.True(rotated.ExitCode == 0, rotated.All);
            await using (var own = new NpgsqlConnection(As(admin, first, rotatedA, first)))
            {
                await own.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE TABLE tasks (id int PRIMARY KEY); INSERT INTO tasks VALUES (1);", own);
                await create.ExecuteNonQueryAsync();
            }

            var oldPassword = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(As(admin, first, passwordA, first)));
            var otherDatabase = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(As(admin, first, rotatedA, second)));
            Assert.Equal(PostgresErrorCodes.InvalidPassword, oldPassword.SqlState);
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, otherDatabase.SqlState);
            await OpenAsync(As(admin, second, passwordB, second));
        }
        finally
        {
            await using var cleanup = new NpgsqlConnection(postgres.AdminConnectionString);
            await cleanup.OpenAsync();
            foreach (var name in new[] { first, second })
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE); DROP ROLE IF EXISTS \"{name}\";", cleanup) { CommandTimeout = 180 };
                await drop.ExecuteNonQueryAsync();
            }
        }
    }

    private string InitScript() =>
        Assert.Single(PublishedStack.OfKind<V1ConfigMap>(stack.Base), m => m.Metadata.Name == PostgresBackup.InitConfigMapName).Data[PostgresRoles.ScriptName];

    private static string As(NpgsqlConnectionStringBuilder admin, string user, string password, string database) =>
        new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Username = user, Password = password, Database = database, Pooling = false }.ConnectionString;

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }
}
