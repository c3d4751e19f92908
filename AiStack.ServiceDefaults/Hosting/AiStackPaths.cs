namespace AiStack.ServiceDefaults.Hosting;

/// <summary>
/// Where AiStack keeps its local state: data files, the generated API key, logs.
/// The AppHost passes <c>AISTACK_HOME</c> to every child so all services agree on one folder.
/// </summary>
public static class AiStackPaths
{
    public const string HomeVariable = "AISTACK_HOME";

    public static string Home
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(HomeVariable);
            return Path.GetFullPath(string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(Directory.GetCurrentDirectory(), ".aistack")
                : configured);
        }
    }

    public static string DataDirectory => Path.Combine(Home, "data");

    public static string ApiKeyFile => Path.Combine(Home, "api-key");
}
