using AiStack.AppHost.Infrastructure;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>The contract on the full profile: real PostgreSQL (tsvector keyword search) and a real Redis cache.</summary>
[Collection(ServersCollection.Name)]
public sealed class KnowledgeBasePostgresRedisTests(PostgresFixture postgres, RedisFixture redis) : KnowledgeBaseApiContract
{
    protected override async Task<KnowledgeBaseFactory> CreateFactoryAsync(IReadOnlyDictionary<string, string?> settings) =>
        new(postgres: await postgres.CreateDatabaseAsync("kb"), redis: redis.ConnectionString,
            settings: new Dictionary<string, string?>(settings) { ["Cache:KeyPrefix"] = $"kb-test-{Guid.NewGuid():N}:" });

    [Fact]
    public async Task The_cache_lives_in_redis_and_is_shared_by_replicas()
    {
        await AddCorpusAsync();
        var database = await postgres.CreateDatabaseAsync("kb_shared");
        var prefix = $"kb-shared-{Guid.NewGuid():N}:";
        var settings = new Dictionary<string, string?> { ["Cache:KeyPrefix"] = prefix };
        await using var one = new KnowledgeBaseFactory(postgres: database, redis: redis.ConnectionString, settings: settings);
        await using var two = new KnowledgeBaseFactory(postgres: database, redis: redis.ConnectionString, settings: settings);
        using var clientOne = one.CreateApiClient();
        using var clientTwo = two.CreateApiClient();
        await clientOne.PostJsonAsync("/documents", new { project = "s", title = "Shared", content = "Replicas share one Redis cache." });

        var first = await (await clientOne.PostJsonAsync("/context", new { query = "shared redis cache", min_score = 0 })).ReadAsync<ContextResponse>();
        var fromOtherReplica = await (await clientTwo.PostJsonAsync("/context", new { query = "shared redis cache", min_score = 0 })).ReadAsync<ContextResponse>();

        Assert.False(first.Cached);
        Assert.True(fromOtherReplica.Cached);
    }

    [Fact]
    public async Task A_lost_database_gives_503_with_a_fix_hint_and_makes_the_service_unready()
    {
        var connectionString = await postgres.CreateDatabaseAsync("kb_lost");
        await using var factory = new KnowledgeBaseFactory(postgres: connectionString);
        using var client = factory.CreateApiClient();
        await client.PostJsonAsync("/documents", new { project = "l", title = "Doc", content = "Soon gone." });

        await using (var admin = new Npgsql.NpgsqlConnection(postgres.AdminConnectionString))
        {
            await admin.OpenAsync();
            var name = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
            // DROP DATABASE waits for an immediate checkpoint of the whole server, which other tests keep busy: more than the 30 s default.
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE \"{name}\" WITH (FORCE)", admin) { CommandTimeout = 180 };
            await drop.ExecuteNonQueryAsync();
        }

        var listed = await client.GetAsync("/documents");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, listed.StatusCode);
        Assert.Contains("ConnectionStrings__postgres", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task A_stopped_redis_means_the_cache_is_bypassed_and_requests_still_answer()
    {
        var redisRoot = TestDirectories.Create("redis-stopped");
        var ownRedis = new LocalRedis(redisRoot, LocalServerProcess.FreeTcpPort());
        await ownRedis.StartAsync();
        try
        {
            await using var factory = new KnowledgeBaseFactory(postgres: await postgres.CreateDatabaseAsync("kb_noredis"), redis: ownRedis.ConnectionString);
            using var client = factory.CreateApiClient();
            await client.PostJsonAsync("/documents", new { project = "r", title = "Doc", content = "Redis may go away at any time." });
            var warm = await (await client.PostJsonAsync("/context", new { query = "redis away", min_score = 0 })).ReadAsync<ContextResponse>();
            Assert.True((await (await client.PostJsonAsync("/context", new { query = "redis away", min_score = 0 })).ReadAsync<ContextResponse>()).Cached);

            await ownRedis.StopAsync();
            var started = DateTime.UtcNow;
            var answered = await (await client.PostJsonAsync("/context", new { query = "redis away", min_score = 0 })).ReadAsync<ContextResponse>();
            var added = await client.PostJsonAsync("/documents", new { project = "r", title = "Doc 2", content = "Writes work without Redis too." });
            var health = await client.GetAsync("/health/ready");

            Assert.False(answered.Cached);
            Assert.Equal(warm.Results.Select(r => r.ChunkId), answered.Results.Select(r => r.ChunkId));
            Assert.True(added.IsSuccessStatusCode);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "requests waited too long for the missing Redis");
            Assert.True(health.IsSuccessStatusCode, "a missing cache must not make the service unready");
        }
        finally
        {
            await ownRedis.DisposeAsync();
            TestDirectories.Delete(redisRoot);
        }
    }
}
