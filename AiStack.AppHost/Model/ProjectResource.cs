namespace AiStack.AppHost.Model;

/// <summary>A service project of this solution, run as <c>dotnet &lt;assembly&gt;</c> from its project folder.</summary>
public sealed class ProjectResource : Resource, IResourceWithEndpoint, IResourceWithPort
{
    public ProjectResource(string name, IProjectMetadata project, int port)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(project);
        Project = project;
        Port = port;
    }

    public override string Kind => "project";

    public IProjectMetadata Project { get; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public string ProjectDirectory => Path.GetDirectoryName(Project.ProjectPath)!;

    /// <summary>The path probed for readiness (ServiceDefaults maps it in every service).</summary>
    public string ReadinessPath { get; init; } = "/health/ready";
}
