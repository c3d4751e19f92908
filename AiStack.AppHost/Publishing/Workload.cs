using AiStack.AppHost.Publishing.Kubernetes;
using AiStack.AppHost.Publishing.Manifest;

namespace AiStack.AppHost.Publishing;

/// <summary>An environment variable of a workload after resolution.</summary>
public abstract record WorkloadVariable(string Name);

/// <summary>A plain value: it goes into the workload's ConfigMap.</summary>
public sealed record LiteralVariable(string Name, string Value) : WorkloadVariable(Name);

/// <summary>Exactly one secret parameter: taken straight from the Secret.</summary>
public sealed record SecretVariable(string Name, string Parameter) : WorkloadVariable(Name);

/// <summary>A value that embeds secrets (a connection string): composed by Kubernetes from <c>$(AISTACK_SECRET_…)</c> variables.</summary>
public sealed record ComposedVariable(string Name, string Value, IReadOnlyList<string> Parameters) : WorkloadVariable(Name);

/// <summary>
/// A project or container of the manifest as it will run in the cluster: image, ports, resolved environment and the edges to the
/// workloads it calls (the app model's references, which the NetworkPolicies allow and nothing else).
/// </summary>
public sealed record Workload(
    ManifestResource Resource,
    string Image,
    IReadOnlyList<WorkloadVariable> Variables,
    IReadOnlyList<string> Args,
    IReadOnlyList<ResourceReference> References)
{
    public string Name => Resource.Name;

    public bool IsProject => Resource.IsProject;

    public bool IsStateful => Resource.Volumes.Count > 0;

    public IReadOnlyList<ManifestBinding> Bindings => Resource.Bindings;

    /// <summary>Addresses outside the cluster that the workload is configured to call (a remote model's API): egress the policies allow.</summary>
    public IReadOnlyList<Uri> ExternalEndpoints(IReadOnlyCollection<string> workloads) => Variables.OfType<LiteralVariable>()
        .Select(variable => Uri.TryCreate(variable.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null)
        .OfType<Uri>()
        .Where(uri => !workloads.Contains(uri.Host) && uri.Host != "+")
        .DistinctBy(uri => uri.Port)
        .OrderBy(uri => uri.Port)
        .ToList();

    /// <summary>The parameters this workload reads from the Secret, in order of first use.</summary>
    public IReadOnlyList<string> SecretParameters => Variables
        .SelectMany(variable => variable switch
        {
            SecretVariable secret => [secret.Parameter],
            ComposedVariable composed => composed.Parameters,
            _ => Array.Empty<string>(),
        })
        .Concat(ArgSecrets)
        .Distinct(StringComparer.Ordinal)
        .ToList();

    /// <summary>Secret parameters the arguments refer to as <c>$(AISTACK_SECRET_…)</c> (Redis's <c>--requirepass</c>).</summary>
    public IReadOnlyList<string> ArgSecrets { get; init; } = [];

    /// <summary>What the manifest declares, resolved; projects' images come from <see cref="PublishOptions.ImageFor"/>.</summary>
    public static IReadOnlyList<Workload> From(AspireManifest manifest, PublishOptions options)
    {
        var resolver = new ExpressionResolver(manifest, options.Parameters);
        var workloads = new List<Workload>();
        foreach (var resource in manifest.Resources)
        {
            if (resource.IsExecutable)
            {
                throw new ManifestException(
                    $"Resource '{resource.Name}' is an executable.v0, which cannot run in a cluster; publish a container or a project instead.");
            }

            if (!resource.IsWorkload)
            {
                continue;
            }

            var references = new List<ResourceReference>();
            var variables = new List<WorkloadVariable>();
            foreach (var (name, value) in resource.Env)
            {
                var resolved = resolver.Resolve(value, resource.Name);
                references.AddRange(resolved.References);
                variables.Add(resolved switch
                {
                    { SoleSecret: { } parameter } => new SecretVariable(name, parameter),
                    { SecretParameters.Count: > 0 } => new ComposedVariable(name, resolved.Text, resolved.SecretParameters),
                    _ => new LiteralVariable(name, resolved.Text),
                });
            }

            var args = resource.Args.Select(arg => resolver.Resolve(arg, resource.Name)).ToList();
            references.AddRange(args.SelectMany(arg => arg.References));
            var image = resource.IsProject
                ? options.ImageFor(resource.Name)
                : resource.Image ?? throw new ManifestException($"Container '{resource.Name}' has no image.");
            IReadOnlyList<ManifestVolume> volumes = resource.Volumes.Count == 0 && resource.IsContainer && ContainerProfile.For(image).DataPath is { } data
                ? [new ManifestVolume(resource.Name + "-data", data, ReadOnly: false)]
                : resource.Volumes;
            workloads.Add(new Workload(resource with { Volumes = volumes }, image, variables, args.Select(arg => arg.Text).ToList(), references.Distinct().ToList())
            {
                ArgSecrets = args.SelectMany(arg => arg.SecretParameters).Distinct(StringComparer.Ordinal).ToList(),
            });
        }

        return workloads;
    }
}
