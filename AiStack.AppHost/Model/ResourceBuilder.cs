namespace AiStack.AppHost.Model;

/// <summary>Fluent configuration of one resource, as in Aspire: <c>.WithReference(x).WaitFor(x)</c>.</summary>
public sealed class ResourceBuilder<T>
    where T : Resource
{
    internal ResourceBuilder(T resource)
    {
        Resource = resource;
    }

    public T Resource { get; }

    /// <summary>Starts this resource only once <paramref name="dependency"/> is ready (ignored when it is not part of this run).</summary>
    public ResourceBuilder<T> WaitFor<TOther>(ResourceBuilder<TOther> dependency)
        where TOther : Resource
    {
        ArgumentNullException.ThrowIfNull(dependency);
        Resource.AddWaitFor(dependency.Resource);
        return this;
    }

    /// <summary>
    /// Gives this resource <paramref name="target"/>'s address (<c>services__{name}__http__0</c>) or connection string
    /// (<c>ConnectionStrings__{name}</c>); a PostgreSQL server also gets a database named after this resource.
    /// </summary>
    public ResourceBuilder<T> WithReference<TOther>(ResourceBuilder<TOther> target)
        where TOther : Resource
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Resource is not (IResourceWithEndpoint or IResourceWithConnectionString))
        {
            throw new StackConfigurationException($"'{target.Resource.Name}' has neither an endpoint nor a connection string to reference.");
        }

        if (ReferenceEquals(target.Resource, Resource))
        {
            throw new StackConfigurationException($"Resource '{Resource.Name}' cannot reference itself.");
        }

        Resource.AddReference(target.Resource);
        if (target.Resource is PostgresServerResource postgres)
        {
            postgres.AddDatabase(PostgresServerResource.DatabaseNameFor(Resource));
        }

        return this;
    }

    public ResourceBuilder<T> WithEnvironment(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Resource.Environment[name] = value;
        return this;
    }

    /// <summary>
    /// Passes the AppHost's own configuration sections (from its appsettings, environment or command line, e.g.
    /// <c>--Inference:ModelPath=...</c>) on to the resource as environment variables (<c>Inference__ModelPath</c>).
    /// </summary>
    public ResourceBuilder<T> WithConfiguration(Microsoft.Extensions.Configuration.IConfiguration configuration, params string[] sections)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var section in sections)
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                if (value is not null)
                {
                    Resource.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                }
            }
        }

        return this;
    }

    /// <summary>Starts the resource only on machines of <paramref name="tier"/> or above (see the README's tier table).</summary>
    public ResourceBuilder<T> WithMinimumTier(StackTier tier)
    {
        Resource.MinimumTier = tier;
        return this;
    }
}
