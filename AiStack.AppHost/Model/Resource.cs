namespace AiStack.AppHost.Model;

/// <summary>
/// Something the stack consists of, in .NET Aspire's shape: a name, what it waits for, what it references and the environment
/// it is given. The AppHost's run mode supervises the runnable ones; a publisher walks the same list to write manifests.
/// </summary>
public abstract class Resource
{
    private readonly List<Resource> _waitsFor = [];
    private readonly List<Resource> _references = [];

    protected Resource(string name)
    {
        ResourceNames.Validate(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>"project", "executable" or "connection-string", as the control API reports it.</summary>
    public abstract string Kind { get; }

    /// <summary>Resources that must be ready before this one starts.</summary>
    public IReadOnlyList<Resource> WaitsFor => _waitsFor;

    /// <summary>Resources whose address or connection string this one is given.</summary>
    public IReadOnlyList<Resource> References => _references;

    /// <summary>Extra environment variables set with <c>WithEnvironment</c>.</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The smallest tier on which this resource starts.</summary>
    public StackTier MinimumTier { get; internal set; } = StackTier.Small;

    /// <summary>Whether the resource is part of this run (its profile and tier allow it, or the user configured it).</summary>
    public virtual bool IsEnabled(StackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Tier >= MinimumTier;
    }

    /// <summary>Whether the AppHost starts and supervises a process for it in this run.</summary>
    public virtual bool IsRunnable(StackContext context) => IsEnabled(context);

    internal void AddWaitFor(Resource resource)
    {
        if (ReferenceEquals(resource, this))
        {
            throw new StackConfigurationException($"Resource '{Name}' cannot wait for itself.");
        }

        if (!_waitsFor.Contains(resource))
        {
            _waitsFor.Add(resource);
        }
    }

    internal void AddReference(Resource resource)
    {
        if (!_references.Contains(resource))
        {
            _references.Add(resource);
        }
    }

    public override string ToString() => Name;
}

/// <summary>A resource with an HTTP endpoint that others find through <c>services__{name}__http__0</c>.</summary>
public interface IResourceWithEndpoint
{
    string Name { get; }

    int Port { get; }

    Uri Url { get; }
}

/// <summary>A resource others reach with a connection string, <c>ConnectionStrings__{name}</c>.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>The connection string given to <paramref name="consumer"/> (null when none applies in this run).</summary>
    string? ConnectionStringFor(Resource consumer, StackContext context);
}

/// <summary>A resource with a fixed TCP port on 127.0.0.1, checked before anything starts.</summary>
public interface IResourceWithPort
{
    string Name { get; }

    int Port { get; }
}

public static class ResourceNames
{
    /// <summary>Names become Kubernetes object names and environment variable parts: lower-case letters, digits and '-'.</summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 63 || !char.IsAsciiLetterLower(name[0]) ||
            name.Any(c => !char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-') || name.EndsWith('-'))
        {
            throw new StackConfigurationException(
                $"Invalid resource name '{name}': use 1-63 lower-case letters, digits and '-', starting with a letter.");
        }
    }
}
