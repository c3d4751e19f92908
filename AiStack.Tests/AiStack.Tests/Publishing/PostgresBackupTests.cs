using AiStack.AppHost.Publishing.Kubernetes;
using AiStack.Tests.Infrastructure;
using k8s.Models;
using Npgsql;

namespace AiStack.Tests.Publishing;

/// <summary>The backup CronJob as rendered: credentials from the Secret, its own volume, and its script run against a real PostgreSQL.</summary>
[Collection(ServersCollection.Name)]
public sealed class PostgresBackupTests(PostgresFixture postgres, PublishedStack stack) : IClassFixture<PublishedStack>
{
    [Fact]
    public void The_cronjob_takes_the_database_credentials_from_the_secret_and_writes_to_its_own_volume()
    {
        foreach (var objects in stack.Rendered.Values)
        {
            var statefulSet = Assert.Single(objects.OfType<V1StatefulSet>(), s => s.Metadata.Name == "postgres");
            var serverPassword = Assert.Single(statefulSet.Spec.Template.Spec.Containers[0].Env, v => v.Name == PostgresBackup.PasswordVariable).ValueFrom.SecretKeyRef;
            var cronJob = Assert.Single(objects.OfType<V1CronJob>());
            var pod = cronJob.Spec.JobTemplate.Spec.Template.Spec;
            var env = Assert.Single(pod.Containers).Env.ToDictionary(v => v.Name);

            Assert.Equal((WorkloadManifests.SecretName, serverPassword.Key), (env["PGPASSWORD"].ValueFrom.SecretKeyRef.Name, env["PGPASSWORD"].ValueFrom.SecretKeyRef.Key));
            Assert.Equal("postgres", env["PGHOST"].Value);
            Assert.Equal("knowledgebase learning ralph", env["DATABASES"].Value);
            Assert.Equal("7", env["RETENTION_DAYS"].Value);
            Assert.Equal("Forbid", cronJob.Spec.ConcurrencyPolicy);
            var backups = Assert.Single(pod.Volumes, v => v.PersistentVolumeClaim is not null);
            Assert.Contains(objects.OfType<V1PersistentVolumeClaim>(), claim => claim.Metadata.Name == backups.PersistentVolumeClaim.ClaimName);
            Assert.NotEqual(backups.PersistentVolumeClaim.ClaimName, statefulSet.Spec.VolumeClaimTemplates[0].Metadata.Name);
            Assert.Contains(pod.Containers[0].VolumeMounts, mount => mount.Name == backups.Name && mount.MountPath == env["BACKUP_DIR"].Value);
        }
    }

    [Fact]
    public async Task The_backup_script_dumps_every_database_and_deletes_dumps_past_their_retention()
    {
        var cronJob = Assert.Single(stack.Base.OfType<V1CronJob>());
        var container = cronJob.Spec.JobTemplate.Spec.Template.Spec.Containers[0];
        Assert.Equal(["/bin/sh", "-c"], container.Command.Take(2));
        // Kubernetes turns $$ into $ before the shell sees the script.
        var script = container.Command[2].Replace("$$", "$", StringComparison.Ordinal);

        var first = await postgres.CreateDatabaseAsync("backup_a");
        var second = await postgres.CreateDatabaseAsync("backup_b");
        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE tasks (id int PRIMARY KEY, prompt text); INSERT INTO tasks VALUES (1, 'back me up');", connection);
            await create.ExecuteNonQueryAsync();
        }

        var folder = TestDirectories.Create("backups");
        try
        {
            var stale = Path.Combine(folder, "old-20200101T000000Z.dump");
            await File.WriteAllTextAsync(stale, "expired");
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-10));
            var admin = new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString);
            var databases = string.Join(' ', new[] { first, second }.Select(c => new NpgsqlConnectionStringBuilder(c).Database));
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = ExternalTool.PostgresBin("pg_dump") + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["PGHOST"] = admin.Host!,
                ["PGPORT"] = admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PGUSER"] = admin.Username!,
                ["PGPASSWORD"] = admin.Password ?? string.Empty,
                ["DATABASES"] = databases,
                ["BACKUP_DIR"] = folder,
                ["RETENTION_DAYS"] = container.Env.Single(v => v.Name == "RETENTION_DAYS").Value,
            };

            var run = await ExternalTool.RunAsync("/bin/sh", ["-c", script], environment: environment);

            Assert.True(run.ExitCode == 0, run.All);
            Assert.False(File.Exists(stale), "a dump older than the retention is deleted");
            var dumps = Directory.GetFiles(folder, "*.dump");
            Assert.Equal(2, dumps.Length);
            Assert.Empty(Directory.GetFiles(folder, "*.partial"));
            var listing = await ExternalTool.RunAsync(Path.Combine(ExternalTool.PostgresBin("pg_dump"), "pg_restore"), ["--list", dumps.Single(d => Path.GetFileName(d).StartsWith(new NpgsqlConnectionStringBuilder(first).Database!, StringComparison.Ordinal))]);
            Assert.True(listing.ExitCode == 0, listing.All);
            Assert.Contains("TABLE DATA public tasks", listing.Output, StringComparison.Ordinal);
        }
        finally
        {
            TestDirectories.Delete(folder);
        }
    }
}
