using AiStack.AppHost.Model;

namespace AiStack.Tests.AppHost;

/// <summary>Builds resources and contexts for unit tests without starting anything.</summary>
internal static class TestResources
{
    public static StackContext Context(StackProfile profile = StackProfile.Embedded, StackTier tier = StackTier.Medium, string? home = null, string? otlp = null) => new()
    {
        Profile = profile,
        Tier = tier,
        Home = home ?? Path.Combine(Path.GetTempPath(), "aistack-tests", "unit-home"),
        ApiKey = "ak_test",
        EnvironmentName = "Production",
        OpenTelemetrySettings = otlp is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp },
    };

    public static ResourceBuilder<ProjectResource> Project(string name, int port = 18000) =>
        new(new ProjectResource(name, new FakeProject(name), port));

    public static ResourceBuilder<T> Wrap<T>(T resource)
        where T : Resource => new(resource);

    private sealed class FakeProject(string name) : IProjectMetadata
    {
        public string ProjectPath => $"/src/{name}/{name}.csproj";

        public string AssemblyPath => $"/src/{name}/bin/Debug/net10.0/{name}.dll";
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class FakeTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
