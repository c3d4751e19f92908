using System.Globalization;
using AiStack.AppHost.Publishing.Manifest;
using k8s.Models;

namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>
/// The Deployment (or, for a container with volumes, the StatefulSet) and Service of one workload, with probes, resources,
/// security context and the environment wired to its ConfigMap and to the stack's Secret.
/// </summary>
public sealed class WorkloadManifests(PublishOptions options)
{
    public const string SecretName = "aistack-secrets";
    public const string SharedConfigName = "aistack-config";
    public const string HomePath = "/var/lib/aistack";
    public const string ModelsPath = "/models";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string StartupPath = "/health/startup";

    /// <summary>The one service that keeps files that must outlive a pod (the fine-tuning dataset): single-active, with a volume.</summary>
    public const string SingleActiveService = "learning";

    public static string ConfigMapName(string workload) => workload + "-env";

    public static string ServiceAccountName(string workload) => workload;

    public V1Service Service(Workload workload) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Metadata(workload.Name, Component(workload)),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.Selector(workload.Name),
            Ports = workload.Bindings.Select(binding => new V1ServicePort
            {
                Name = binding.Name,
                Port = binding.ServicePort,
                TargetPort = binding.Name,
                Protocol = "TCP",
            }).ToList(),
        },
    };

    public V1Deployment Deployment(Workload workload, bool hasServiceAccount)
    {
        var singleActive = workload.Name == SingleActiveService;
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Metadata(workload.Name, Component(workload)),
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = Labels.Selector(workload.Name) },
                // Learning's volume can be mounted by one pod at a time; the others roll without a gap.
                Strategy = singleActive
                    ? new V1DeploymentStrategy { Type = "Recreate" }
                    : new V1DeploymentStrategy
                    {
                        Type = "RollingUpdate",
                        RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "1", MaxUnavailable = "0" },
                    },
                RevisionHistoryLimit = 5,
                Template = PodTemplate(workload, hasServiceAccount),
            },
        };
    }

    public V1StatefulSet StatefulSet(Workload workload) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = Metadata(workload.Name, Component(workload)),
        Spec = new V1StatefulSetSpec
        {
            Replicas = 1,
            ServiceName = workload.Name,
            Selector = new V1LabelSelector { MatchLabels = Labels.Selector(workload.Name) },
            Template = PodTemplate(workload, hasServiceAccount: false),
            VolumeClaimTemplates = workload.Resource.Volumes.Select((volume, index) => new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = VolumeName(workload, volume, index) },
                Spec = ClaimSpec(StorageSize(workload.Name)),
            }).ToList(),
        },
    };

    /// <summary>A volume claim of its own (Learning's home, the models folder, the database backups).</summary>
    public static V1PersistentVolumeClaim Claim(string name, string app, string component, string size) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolumeClaim",
        Metadata = Metadata(name, component, app),
        Spec = ClaimSpec(size),
    };

    public static V1ObjectMeta Metadata(string name, string component, string? app = null) => new()
    {
        Name = name,
        Labels = Labels.For(app ?? name, component),
    };

    public static string Component(Workload workload) =>
        workload.IsProject ? ContainerProfile.DotNetService.Component : ContainerProfile.For(workload.Image).Component;

    public static string HomeClaimName(string workload) => workload + "-home";

    public static string ModelsClaimName(string workload) => workload + "-models";

    /// <summary>A volume of the manifest, named after what follows the resource's name in Aspire's volume name ("…-postgres-data" → "data").</summary>
    public static string VolumeName(Workload workload, ManifestVolume volume, int index)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(volume);
        var marker = "-" + workload.Name + "-";
        var at = volume.Name.LastIndexOf(marker, StringComparison.Ordinal);
        var suffix = at >= 0 ? volume.Name[(at + marker.Length)..] : string.Empty;
        return suffix.Length > 0 && suffix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? suffix
            : "volume" + index.ToString(CultureInfo.InvariantCulture);
    }

    internal static V1PodSecurityContext PodSecurity(long? user) => user is { } uid
        ? new V1PodSecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = uid,
            RunAsGroup = uid,
            FsGroup = uid,
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        }
        : new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } };

    internal static V1SecurityContext ContainerSecurity(ContainerProfile profile) => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = profile.ReadOnlyRootFilesystem,
        Capabilities = profile.User is null ? null : new V1Capabilities { Drop = ["ALL"] },
    };

    internal static V1ResourceRequirements Requirements(ContainerResources resources) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(resources.CpuRequest),
            ["memory"] = new(resources.MemoryRequest),
        },
        Limits = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(resources.CpuLimit),
            ["memory"] = new(resources.MemoryLimit),
        },
    };

    internal static V1EnvVar FromSecret(string variable, string parameter) => new()
    {
        Name = variable,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = SecretName, Key = parameter } },
    };

    internal static string WritableVolumeName(string path) => path.Trim('/').Replace('/', '-');

    private static V1PersistentVolumeClaimSpec ClaimSpec(string size) => new()
    {
        AccessModes = ["ReadWriteOnce"],
        Resources = new V1VolumeResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal) { ["storage"] = new(size) },
        },
    };

    private static string StorageSize(string workload) => workload switch
    {
        "redis" => "2Gi",
        _ => "10Gi",
    };

    private V1PodTemplateSpec PodTemplate(Workload workload, bool hasServiceAccount)
    {
        var profile = workload.IsProject ? ContainerProfile.DotNetService : ContainerProfile.For(workload.Image);
        var volumes = new List<V1Volume>();
        var mounts = new List<V1VolumeMount>();
        foreach (var path in profile.WritablePaths)
        {
            volumes.Add(new V1Volume { Name = WritableVolumeName(path), EmptyDir = new V1EmptyDirVolumeSource() });
            mounts.Add(new V1VolumeMount { Name = WritableVolumeName(path), MountPath = path });
        }

        if (workload.IsProject)
        {
            // The services' state folder (spool, budget file, workspaces); only Learning's must outlive the pod.
            volumes.Add(workload.Name == SingleActiveService
                ? new V1Volume { Name = "home", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = HomeClaimName(workload.Name) } }
                : new V1Volume { Name = "home", EmptyDir = new V1EmptyDirVolumeSource() });
            mounts.Add(new V1VolumeMount { Name = "home", MountPath = HomePath });
            if (workload.Name == PublishTier.ModelHost)
            {
                volumes.Add(new V1Volume { Name = "models", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = ModelsClaimName(workload.Name), ReadOnlyProperty = true } });
                mounts.Add(new V1VolumeMount { Name = "models", MountPath = ModelsPath, ReadOnlyProperty = true });
            }
        }
        else
        {
            mounts.AddRange(workload.Resource.Volumes.Select((volume, index) =>
                new V1VolumeMount { Name = VolumeName(workload, volume, index), MountPath = volume.Target, ReadOnlyProperty = volume.ReadOnly ? true : null }));
            if (PostgresBackup.IsPostgres(workload))
            {
                volumes.Add(new V1Volume { Name = "initdb", ConfigMap = new V1ConfigMapVolumeSource { Name = PostgresBackup.InitConfigMapName, DefaultMode = 0b101_101_101 } });
                mounts.Add(new V1VolumeMount { Name = "initdb", MountPath = "/docker-entrypoint-initdb.d", ReadOnlyProperty = true });
            }
        }

        var container = new V1Container
        {
            Name = workload.Name,
            Image = workload.Image,
            ImagePullPolicy = "IfNotPresent",
            Ports = workload.Bindings.Select(binding => new V1ContainerPort { Name = binding.Name, ContainerPort = binding.TargetPort, Protocol = "TCP" }).ToList(),
            EnvFrom = EnvFrom(workload),
            Env = Env(workload),
            Resources = Requirements(options.Tier.ResourcesFor(workload.Name)),
            SecurityContext = ContainerSecurity(profile),
            VolumeMounts = mounts.Count > 0 ? mounts : null,
        };
        if (workload.Resource.Entrypoint is { } entrypoint)
        {
            container.Command = [entrypoint];
        }

        if (workload.Args.Count > 0)
        {
            container.Args = workload.Args.ToList();
        }

        AddProbes(workload, container);
        return new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = Labels.For(workload.Name, Component(workload)) },
            Spec = new V1PodSpec
            {
                ServiceAccountName = hasServiceAccount ? ServiceAccountName(workload.Name) : null,
                AutomountServiceAccountToken = hasServiceAccount,
                EnableServiceLinks = false,
                TerminationGracePeriodSeconds = workload.IsProject ? 30 : 60,
                SecurityContext = PodSecurity(profile.User),
                Containers = [container],
                Volumes = volumes.Count > 0 ? volumes : null,
            },
        };
    }

    private static List<V1EnvFromSource> EnvFrom(Workload workload)
    {
        var sources = new List<V1EnvFromSource>();
        if (workload.IsProject)
        {
            sources.Add(new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = SharedConfigName } });
        }

        sources.Add(new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = ConfigMapName(workload.Name) } });
        return sources;
    }

    /// <summary>Secret values only: the helper variables first, since Kubernetes expands $(NAME) only from variables defined before.</summary>
    private static List<V1EnvVar>? Env(Workload workload)
    {
        var env = new List<V1EnvVar>();
        var composedParameters = workload.Variables.OfType<ComposedVariable>().SelectMany(variable => variable.Parameters)
            .Concat(workload.ArgSecrets).Distinct(StringComparer.Ordinal);
        env.AddRange(composedParameters.Select(parameter => FromSecret(ExpressionResolver.SecretVariable(parameter), parameter)));
        foreach (var variable in workload.Variables)
        {
            switch (variable)
            {
                case SecretVariable secret:
                    env.Add(FromSecret(secret.Name, secret.Parameter));
                    break;
                case ComposedVariable composed:
                    env.Add(new V1EnvVar { Name = composed.Name, Value = composed.Value });
                    break;
            }
        }

        return env.Count > 0 ? env : null;
    }

    private static void AddProbes(Workload workload, V1Container container)
    {
        if (workload.IsProject)
        {
            var port = workload.Bindings.FirstOrDefault(binding => binding.Scheme == "http")
                ?? throw new ManifestException($"Project '{workload.Name}' has no http binding to probe.");
            // Start-up allows the services' dependency wait (Startup:DependencyWaitSeconds, 30 s) twice over.
            container.StartupProbe = HttpProbe(StartupPath, port.Name, period: 2, failures: 30);
            container.LivenessProbe = HttpProbe(LivePath, port.Name, period: 10, failures: 3);
            container.ReadinessProbe = HttpProbe(ReadyPath, port.Name, period: 5, failures: 3);
            return;
        }

        if (workload.Bindings.FirstOrDefault() is not { } binding)
        {
            return;
        }

        container.StartupProbe = TcpProbe(binding.Name, period: 2, failures: 60);
        container.LivenessProbe = TcpProbe(binding.Name, period: 10, failures: 3);
        container.ReadinessProbe = TcpProbe(binding.Name, period: 5, failures: 3);
    }

    private static V1Probe HttpProbe(string path, string port, int period, int failures) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = period,
        FailureThreshold = failures,
        TimeoutSeconds = 4,
    };

    private static V1Probe TcpProbe(string port, int period, int failures) => new()
    {
        TcpSocket = new V1TCPSocketAction { Port = port },
        PeriodSeconds = period,
        FailureThreshold = failures,
        TimeoutSeconds = 3,
    };
}
