using AiStack.AppHost.Model;
using static AiStack.Tests.AppHost.TestResources;

namespace AiStack.Tests.AppHost;

public sealed class EnvironmentInjectionTests : IDisposable
{
    private readonly string _home = Infrastructure.TestDirectories.Create("env-home");

    [Fact]
    public void A_project_gets_its_url_home_key_environment_and_telemetry_name()
    {
        var project = Project("knowledgebase", 8091);

        var environment = ResourceEnvironment.For(project.Resource, Context(home: _home));

        Assert.Equal("http://127.0.0.1:8091", environment["ASPNETCORE_URLS"]);
        Assert.Equal("http://127.0.0.1:8091", environment["URLS"]);
        Assert.Equal(_home, environment["AISTACK_HOME"]);
        Assert.Equal("ak_test", environment["Security__ApiKey"]);
        Assert.Equal("Production", environment["DOTNET_ENVIRONMENT"]);
        Assert.Equal("knowledgebase", environment["OTEL_SERVICE_NAME"]);
        Assert.False(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    [Fact]
    public void The_otlp_endpoint_is_passed_when_given()
    {
        var environment = ResourceEnvironment.For(Project("ralph").Resource, Context(home: _home, otlp: "http://127.0.0.1:4317"));

        Assert.Equal("http://127.0.0.1:4317", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
    }

    [Fact]
    public void A_referenced_project_is_found_through_services_name_http_0()
    {
        var knowledgebase = Project("knowledgebase", 8091);
        var coordinator = Project("coordinator", 8092).WithReference(knowledgebase);

        var environment = ResourceEnvironment.For(coordinator.Resource, Context(home: _home));

        Assert.Equal("http://127.0.0.1:8091", environment["services__knowledgebase__http__0"]);
    }

    [Fact]
    public void In_the_full_profile_postgres_gives_each_service_a_database_named_after_it()
    {
        var postgres = Wrap(new PostgresServerResource("postgres", 15432, externalConnectionString: null));
        var redis = Wrap(new RedisServerResource("redis", 16379, externalConnectionString: null));
        var knowledgebase = Project("knowledgebase").WithReference(postgres).WithReference(redis);

        var environment = ResourceEnvironment.For(knowledgebase.Resource, Context(StackProfile.Full, home: _home));

        var connection = new Npgsql.NpgsqlConnectionStringBuilder(environment["ConnectionStrings__postgres"]);
        Assert.Equal("knowledgebase", connection.Database);
        Assert.Equal(15432, connection.Port);
        Assert.Equal(["knowledgebase"], postgres.Resource.Databases);
        Assert.StartsWith("127.0.0.1:16379,password=", environment["ConnectionStrings__redis"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_profile_gives_no_postgres_or_redis()
    {
        var postgres = Wrap(new PostgresServerResource("postgres", 15432, externalConnectionString: null));
        var redis = Wrap(new RedisServerResource("redis", 16379, externalConnectionString: null));
        var knowledgebase = Project("knowledgebase").WithReference(postgres).WithReference(redis);

        var environment = ResourceEnvironment.For(knowledgebase.Resource, Context(StackProfile.Embedded, home: _home));

        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
        Assert.False(postgres.Resource.IsRunnable(Context(StackProfile.Embedded, home: _home)));
    }

    [Fact]
    public void A_users_own_server_is_passed_through_unchanged_and_not_started()
    {
        const string external = "Host=db.example;Database=shared;Username=me;Password=secret";
        var postgres = Wrap(new PostgresServerResource("postgres", 15432, external));
        var knowledgebase = Project("knowledgebase").WithReference(postgres);
        var context = Context(StackProfile.Embedded, home: _home);

        var environment = ResourceEnvironment.For(knowledgebase.Resource, context);

        Assert.Equal(external, environment["ConnectionStrings__postgres"]);
        Assert.False(postgres.Resource.IsRunnable(Context(StackProfile.Full, home: _home)));
    }

    [Fact]
    public void Qdrant_is_passed_only_when_given()
    {
        var given = Project("knowledgebase").WithReference(Wrap(new ConnectionStringResource("qdrant", "http://127.0.0.1:6333")));
        var absent = Project("learning").WithReference(Wrap(new ConnectionStringResource("qdrant", null)));

        Assert.Equal("http://127.0.0.1:6333", ResourceEnvironment.For(given.Resource, Context(home: _home))["ConnectionStrings__qdrant"]);
        Assert.False(ResourceEnvironment.For(absent.Resource, Context(home: _home)).ContainsKey("ConnectionStrings__qdrant"));
    }

    [Fact]
    public void WithEnvironment_values_are_passed()
    {
        var project = Project("ralph").WithEnvironment("Ralph__MaxIterations", "12");

        Assert.Equal("12", ResourceEnvironment.For(project.Resource, Context(home: _home))["Ralph__MaxIterations"]);
    }

    public void Dispose() => Infrastructure.TestDirectories.Delete(_home);
}
