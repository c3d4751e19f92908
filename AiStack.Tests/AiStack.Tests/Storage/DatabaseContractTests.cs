using AiStack.Storage;
using AiStack.Storage.Dialects;
using AiStack.Storage.Migrations;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Tests.Storage;

/// <summary>The behaviour every engine must show; run once per engine by the subclasses.</summary>
public abstract class DatabaseContractTests : IAsyncLifetime
{
    protected Database Database { get; private set; } = null!;

    protected abstract Task<Database> CreateDatabaseAsync();

    public async Task InitializeAsync() => Database = await CreateDatabaseAsync();

    public virtual async Task DisposeAsync() => await Database.DisposeAsync();

    private MigrationRunner Runner => new(Database, NullLogger<MigrationRunner>.Instance);

    private MigrationSet Set(params (int Version, string Sql)[] scripts) =>
        new("test", new Dictionary<DatabaseProvider, IReadOnlyList<Migration>>
        {
            [Database.Provider] = scripts.Select(s => new Migration(s.Version, "v" + s.Version, s.Sql)).ToList(),
        });

    private string NotesTable => $"CREATE TABLE notes (id {Database.Dialect.IdentityPrimaryKey}, title TEXT NOT NULL UNIQUE, body TEXT NOT NULL)";

    [Fact]
    public async Task Migrations_create_the_schema_and_record_the_version()
    {
        var applied = await Runner.ApplyAsync(Set((1, NotesTable), (2, "CREATE INDEX ix_notes_body ON notes (body)")));

        Assert.Equal(2, applied);
        Assert.Equal(2, await Runner.GetVersionAsync("test"));
        await using var connection = await Database.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO notes (title, body) VALUES ('a', 'b')");
    }

    [Fact]
    public async Task Applying_the_same_migrations_again_runs_nothing()
    {
        await Runner.ApplyAsync(Set((1, NotesTable)));

        Assert.Equal(0, await Runner.ApplyAsync(Set((1, NotesTable))));
    }

    [Fact]
    public async Task A_new_migration_upgrades_an_existing_schema_in_place()
    {
        await Runner.ApplyAsync(Set((1, NotesTable)));
        await using (var connection = await Database.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO notes (title, body) VALUES ('kept', 'row')");
        }

        var applied = await Runner.ApplyAsync(Set((1, NotesTable), (2, "ALTER TABLE notes ADD COLUMN stars INTEGER NOT NULL DEFAULT 3")));

        Assert.Equal(1, applied);
        await using var check = await Database.OpenConnectionAsync();
        Assert.Equal(3, await check.ExecuteScalarAsync<int>("SELECT stars FROM notes WHERE title = 'kept'"));
    }

    [Fact]
    public async Task A_failing_migration_leaves_the_previous_version_intact()
    {
        await Runner.ApplyAsync(Set((1, NotesTable)));

        await Assert.ThrowsAnyAsync<Exception>(() => Runner.ApplyAsync(Set(
            (1, NotesTable), (2, "CREATE TABLE half_done (id INTEGER); SELECT * FROM no_such_table;"))));

        Assert.Equal(1, await Runner.GetVersionAsync("test"));
        await using var connection = await Database.OpenConnectionAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("SELECT COUNT(*) FROM half_done"));
    }

    [Fact]
    public async Task Concurrent_starters_apply_each_migration_exactly_once()
    {
        var set = Set((1, NotesTable), (2, "ALTER TABLE notes ADD COLUMN stars INTEGER NOT NULL DEFAULT 0"), (3, "CREATE INDEX ix_notes_stars ON notes (stars)"));

        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Runner.ApplyAsync(set))));

        Assert.Equal(3, applied.Sum());
        Assert.Equal(3, await Runner.GetVersionAsync("test"));
    }

    [Fact]
    public async Task A_schema_newer_than_the_build_is_refused_with_a_clear_message()
    {
        await Runner.ApplyAsync(Set((1, NotesTable), (2, "CREATE INDEX ix_notes_body ON notes (body)")));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner.ApplyAsync(Set((1, NotesTable))));

        Assert.Contains("newer than this build knows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dialect_upsert_inserts_then_updates_and_returns_the_id()
    {
        await Runner.ApplyAsync(Set((1, NotesTable)));
        var sql = Database.Dialect.Upsert("notes", ["title"], ["title", "body"], returning: "id");
        await using var connection = await Database.OpenConnectionAsync();

        var first = await connection.ExecuteScalarAsync<long>(sql, new { title = "t", body = "one" });
        var second = await connection.ExecuteScalarAsync<long>(sql, new { title = "t", body = "two" });

        Assert.Equal(first, second);
        Assert.Equal("two", await connection.ExecuteScalarAsync<string>("SELECT body FROM notes WHERE id = @first", new { first }));
    }

    [Fact]
    public async Task Timestamps_json_blobs_and_booleans_round_trip()
    {
        var d = Database.Dialect;
        await Runner.ApplyAsync(Set((1,
            $"CREATE TABLE things (id {d.IdentityPrimaryKey}, at {d.TimestampType} NOT NULL, data {d.JsonType} NOT NULL, raw {d.BlobType} NOT NULL, flag {d.BooleanType} NOT NULL)")));
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2)).AddTicks(1234);
        byte[] raw = [0, 1, 2, 255];
        await using var connection = await Database.OpenConnectionAsync();

        var id = await connection.ExecuteScalarAsync<long>(
            $"INSERT INTO things (at, data, raw, flag) VALUES (@at, {d.JsonValue("data")}, @raw, @flag){d.ReturningId()}",
            new { at, data = """{"a": 1}""", raw, flag = true });
        var row = await connection.QuerySingleAsync<ThingRow>("SELECT at AS At, data AS Data, raw AS Raw, flag AS Flag FROM things WHERE id = @id", new { id });

        Assert.Equal(at.UtcTicks / 10, row.At.UtcTicks / 10); // PostgreSQL keeps microseconds
        Assert.Equal(TimeSpan.Zero, row.At.Offset);
        Assert.Equal(1, System.Text.Json.JsonDocument.Parse(row.Data).RootElement.GetProperty("a").GetInt32());
        Assert.Equal(raw, row.Raw);
        Assert.True(row.Flag);
    }

    [Fact]
    public async Task Any_user_text_becomes_a_valid_full_text_query()
    {
        var fullText = Database.Dialect.FullTextQuery("\"quoted\" OR (broken* NEAR -minus AND) 'or' ü", FullTextMode.AllWords);
        Assert.NotNull(fullText);
        Assert.Null(Database.Dialect.FullTextQuery("  !!! ---  ", FullTextMode.AnyWord));
        await using var connection = await Database.OpenConnectionAsync();
        if (Database.Provider == DatabaseProvider.Sqlite)
        {
            await connection.ExecuteAsync("CREATE VIRTUAL TABLE probe USING fts5(body)");
            await connection.ExecuteAsync("INSERT INTO probe (body) VALUES ('quoted broken near minus and or ü')");
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM probe WHERE probe MATCH @q", new { q = fullText }));
        }
        else
        {
            Assert.True(await connection.ExecuteScalarAsync<bool>(
                "SELECT to_tsvector('english', 'quoted broken near minus and or ü') @@ websearch_to_tsquery('english', @q)", new { q = fullText }));
        }
    }

    [Fact]
    public async Task Health_check_reports_a_reachable_database_as_healthy()
    {
        var result = await new DatabaseHealthCheck(Database).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    private sealed class ThingRow
    {
        public DateTimeOffset At { get; set; }

        public string Data { get; set; } = "";

        public byte[] Raw { get; set; } = [];

        public bool Flag { get; set; }
    }
}

public sealed class SqliteDatabaseTests : DatabaseContractTests
{
    private readonly string _folder = Infrastructure.TestDirectories.Create("sqlite");

    protected override Task<Database> CreateDatabaseAsync()
    {
        return Task.FromResult(Database.Create(new DatabaseOptions { SqlitePath = Path.Combine(_folder, "test.db") }));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Infrastructure.TestDirectories.Delete(_folder);
    }

    [Fact]
    public async Task Sqlite_files_use_write_ahead_logging()
    {
        await using var connection = await Database.OpenConnectionAsync();

        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Health_check_names_the_fix_when_the_file_cannot_be_opened()
    {
        var gone = Path.Combine(_folder, "gone");
        await using var broken = Database.Create(new DatabaseOptions { SqlitePath = Path.Combine(gone, "test.db") });
        Directory.Delete(gone);

        var result = await new DatabaseHealthCheck(broken).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("Storage__SqlitePath", result.Description, StringComparison.Ordinal);
    }
}

[Collection(Infrastructure.ServersCollection.Name)]
public sealed class PostgresDatabaseTests(Infrastructure.PostgresFixture postgres) : DatabaseContractTests
{
    protected override async Task<Database> CreateDatabaseAsync()
    {
        return Database.Create(new DatabaseOptions { PostgresConnectionString = await postgres.CreateDatabaseAsync("storage") });
    }

    [Fact]
    public async Task Health_check_names_the_fix_when_the_server_is_unreachable()
    {
        var port = AiStack.AppHost.Infrastructure.LocalServerProcess.FreeTcpPort();
        await using var unreachable = Database.Create(new DatabaseOptions
        {
            PostgresConnectionString = $"Host=127.0.0.1;Port={port};Database=x;Username=x;Password=x;Timeout=2",
        });

        var result = await new DatabaseHealthCheck(unreachable).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("ConnectionStrings__postgres", result.Description, StringComparison.Ordinal);
    }
}
