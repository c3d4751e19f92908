using Npgsql;
using StackExchange.Redis;

namespace AiStack.Tests.Infrastructure;

[Collection(ServersCollection.Name)]
public sealed class ServerFixtureTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public async Task Postgres_fixture_gives_an_isolated_database()
    {
        var connectionString = await postgres.CreateDatabaseAsync("fixture");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.StartsWith("fixture_", (string)(await command.ExecuteScalarAsync())!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_fixture_requires_its_password_and_stores_values()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        await db.StringSetAsync("fixture-key", "value", TimeSpan.FromSeconds(30));
        Assert.Equal("value", (string?)await db.StringGetAsync("fixture-key"));
    }
}
