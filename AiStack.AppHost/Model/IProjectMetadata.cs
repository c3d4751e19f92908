namespace AiStack.AppHost.Model;

/// <summary>A service project of this solution, as generated into the <c>Projects</c> namespace at build time.</summary>
public interface IProjectMetadata
{
    /// <summary>Full path of the .csproj.</summary>
    string ProjectPath { get; }

    /// <summary>Full path of the built assembly (for this AppHost's build configuration).</summary>
    string AssemblyPath { get; }
}
