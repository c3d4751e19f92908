using AiStack.KnowledgeBase;
using AiStack.Storage.Dialects;
using AiStack.Storage.Migrations;

namespace AiStack.Tests.Storage;

public sealed class MigrationSetTests
{
    [Fact]
    public void The_knowledge_base_ships_the_same_schema_versions_for_both_engines()
    {
        var set = MigrationSet.FromEmbeddedResources("knowledgebase", typeof(KnowledgeBaseExtensions).Assembly);

        Assert.NotEmpty(set.For(DatabaseProvider.Sqlite));
        Assert.Equal(set.For(DatabaseProvider.Sqlite).Select(m => m.Version), set.For(DatabaseProvider.Postgres).Select(m => m.Version));
        Assert.Contains("fts5", set.For(DatabaseProvider.Sqlite)[0].Sql, StringComparison.Ordinal);
        Assert.Contains("tsvector", set.For(DatabaseProvider.Postgres)[0].Sql, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Migrations_are_ordered_by_version()
    {
        var set = new MigrationSet("s", new Dictionary<DatabaseProvider, IReadOnlyList<Migration>>
        {
            [DatabaseProvider.Sqlite] = [new Migration(3, "c", ""), new Migration(1, "a", ""), new Migration(2, "b", "")],
        });

        Assert.Equal([1, 2, 3], set.For(DatabaseProvider.Sqlite).Select(m => m.Version));
        Assert.Empty(set.For(DatabaseProvider.Postgres));
    }

    [Fact]
    public void Two_scripts_with_one_version_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new MigrationSet("s", new Dictionary<DatabaseProvider, IReadOnlyList<Migration>>
        {
            [DatabaseProvider.Postgres] = [new Migration(1, "a", ""), new Migration(1, "b", "")],
        }));

        Assert.Contains("version 1", error.Message, StringComparison.Ordinal);
    }
}
