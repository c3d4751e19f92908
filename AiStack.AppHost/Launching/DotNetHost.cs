namespace AiStack.AppHost.Launching;

/// <summary>The <c>dotnet</c> executable that runs the service assemblies: the one running us, so SDK and runtime versions agree.</summary>
public static class DotNetHost
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var current = Environment.ProcessPath;
        if (current is not null && System.IO.Path.GetFileName(current) == "dotnet")
        {
            return current;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var candidates = new[] { root, "/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet" }.OfType<string>().ToArray();
        return Infrastructure.LocalServerProcess.FindExecutable("dotnet", candidates) ?? "dotnet";
    }
}
