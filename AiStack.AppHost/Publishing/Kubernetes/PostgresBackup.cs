using AiStack.AppHost.Publishing.Manifest;
using k8s.Models;

namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>
/// A nightly <c>pg_dump</c> of each service's database (<see cref="PostgresRoles"/>) onto a volume of its own, older dumps
/// deleted after the retention period.
/// </summary>
public sealed class PostgresBackup(PublishOptions options)
{
    public const string InitConfigMapName = "postgres-initdb";
    public const string BackupName = "postgres-backup";
    public const string BackupsPath = "/backups";
    public const string PasswordVariable = "POSTGRES_PASSWORD";

    public static bool IsPostgres(Workload workload) =>
        workload.Resource.IsContainer && ContainerProfile.For(workload.Image).Component == "database";

    /// <summary>The password's parameter: the Secret key that the server's POSTGRES_PASSWORD comes from.</summary>
    public static string PasswordParameter(Workload postgres) =>
        postgres.Variables.OfType<SecretVariable>().FirstOrDefault(variable => variable.Name == PasswordVariable)?.Parameter
        ?? throw new ManifestException($"'{postgres.Name}' takes no {PasswordVariable} from a secret parameter; the backup needs it.");

    public static string User(Workload postgres) =>
        postgres.Variables.OfType<LiteralVariable>().FirstOrDefault(variable => variable.Name == "POSTGRES_USER")?.Value ?? "postgres";

    public V1CronJob CronJob(Workload postgres, IReadOnlyList<string> databases)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var port = postgres.Bindings[0].ServicePort;
        var profile = ContainerProfile.For(postgres.Image);
        return new V1CronJob
        {
            ApiVersion = "batch/v1",
            Kind = "CronJob",
            Metadata = WorkloadManifests.Metadata(BackupName, "backup"),
            Spec = new V1CronJobSpec
            {
                Schedule = options.BackupSchedule,
                ConcurrencyPolicy = "Forbid",
                SuccessfulJobsHistoryLimit = 3,
                FailedJobsHistoryLimit = 3,
                JobTemplate = new V1JobTemplateSpec
                {
                    Spec = new V1JobSpec
                    {
                        BackoffLimit = 2,
                        Template = new V1PodTemplateSpec
                        {
                            Metadata = new V1ObjectMeta { Labels = Labels.For(BackupName, "backup") },
                            Spec = new V1PodSpec
                            {
                                RestartPolicy = "OnFailure",
                                AutomountServiceAccountToken = false,
                                EnableServiceLinks = false,
                                SecurityContext = WorkloadManifests.PodSecurity(profile.User),
                                Containers =
                                [
                                    new V1Container
                                    {
                                        Name = "pg-dump",
                                        Image = postgres.Image,
                                        ImagePullPolicy = "IfNotPresent",
                                        Command = ["/bin/sh", "-c", Script],
                                        Env =
                                        [
                                            new V1EnvVar { Name = "PGHOST", Value = postgres.Name },
                                            new V1EnvVar { Name = "PGPORT", Value = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                                            new V1EnvVar { Name = "PGUSER", Value = User(postgres) },
                                            WorkloadManifests.FromSecret("PGPASSWORD", PasswordParameter(postgres)),
                                            new V1EnvVar { Name = "DATABASES", Value = string.Join(' ', databases) },
                                            new V1EnvVar { Name = "BACKUP_DIR", Value = BackupsPath },
                                            new V1EnvVar { Name = "RETENTION_DAYS", Value = options.BackupRetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                                        ],
                                        Resources = WorkloadManifests.Requirements(new ContainerResources("100m", "128Mi", "1", "512Mi")),
                                        SecurityContext = WorkloadManifests.ContainerSecurity(profile),
                                        VolumeMounts =
                                        [
                                            new V1VolumeMount { Name = "backups", MountPath = BackupsPath },
                                            new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
                                        ],
                                    },
                                ],
                                Volumes =
                                [
                                    new V1Volume { Name = "backups", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = BackupName } },
                                    new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
                                ],
                            },
                        },
                    },
                },
            },
        };
    }

    // A dump is written under a temporary name and renamed when complete, so a failed run never leaves a file that looks good;
    // $$( keeps Kubernetes from reading the shell's command substitution as one of its own variable references.
    private const string Script =
        "set -eu\n" +
        "stamp=$$(date -u +%Y%m%dT%H%M%SZ)\n" +
        "for db in $DATABASES; do\n" +
        "  pg_dump --format=custom --file=\"$BACKUP_DIR/$db-$stamp.dump.partial\" \"$db\"\n" +
        "  mv \"$BACKUP_DIR/$db-$stamp.dump.partial\" \"$BACKUP_DIR/$db-$stamp.dump\"\n" +
        "  echo \"backed up $db to $BACKUP_DIR/$db-$stamp.dump\"\n" +
        "done\n" +
        "find \"$BACKUP_DIR\" -name '*.dump' -mtime +\"$RETENTION_DAYS\" -print -delete\n" +
        "find \"$BACKUP_DIR\" -name '*.partial' -mmin +60 -delete\n";

}
