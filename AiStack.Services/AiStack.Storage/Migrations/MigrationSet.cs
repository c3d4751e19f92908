using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using AiStack.Storage.Dialects;

namespace AiStack.Storage.Migrations;

/// <summary>
/// A service's schema history: for each engine, ordered scripts named <c>NNNN_name.sql</c>. The set is identified by a scope
/// (usually the service name) so that schema_version can hold several sets in one database.
/// </summary>
public sealed partial class MigrationSet
{
    private readonly Dictionary<DatabaseProvider, IReadOnlyList<Migration>> _byProvider;

    public MigrationSet(string scope, IReadOnlyDictionary<DatabaseProvider, IReadOnlyList<Migration>> migrations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        ArgumentNullException.ThrowIfNull(migrations);
        Scope = scope;
        _byProvider = new Dictionary<DatabaseProvider, IReadOnlyList<Migration>>();
        foreach (var (provider, list) in migrations)
        {
            var ordered = list.OrderBy(m => m.Version).ToList();
            var duplicate = ordered.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new InvalidOperationException($"Migration set '{scope}' has two {provider} scripts with version {duplicate.Key}.");
            }

            _byProvider[provider] = ordered;
        }
    }

    public string Scope { get; }

    public IReadOnlyList<Migration> For(DatabaseProvider provider) =>
        _byProvider.TryGetValue(provider, out var list) ? list : [];

    /// <summary>
    /// Reads embedded resources whose logical names are <c>{prefix}{sqlite|postgres}/NNNN_name.sql</c>
    /// (csproj: <c>&lt;EmbeddedResource Include="Schema/**/*.sql" LogicalName="Schema/%(RecursiveDir)%(Filename)%(Extension)" /&gt;</c>).
    /// </summary>
    public static MigrationSet FromEmbeddedResources(string scope, Assembly assembly, string prefix = "Schema/")
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var found = new Dictionary<DatabaseProvider, IReadOnlyList<Migration>>();
        var lists = new Dictionary<DatabaseProvider, List<Migration>>
        {
            [DatabaseProvider.Sqlite] = [],
            [DatabaseProvider.Postgres] = [],
        };
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var match = ResourceName().Match(name[prefix.Length..]);
            if (!match.Success)
            {
                throw new InvalidOperationException(
                    $"Schema resource '{name}' must be named {prefix}sqlite/NNNN_name.sql or {prefix}postgres/NNNN_name.sql.");
            }

            var provider = match.Groups["engine"].Value == "postgres" ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            lists[provider].Add(new Migration(
                int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        foreach (var (provider, list) in lists)
        {
            found[provider] = list;
        }

        var sqliteVersions = lists[DatabaseProvider.Sqlite].Select(m => m.Version).Order();
        var postgresVersions = lists[DatabaseProvider.Postgres].Select(m => m.Version).Order();
        if (!sqliteVersions.SequenceEqual(postgresVersions))
        {
            // Both engines must reach the same schema version, or a service would behave differently per profile.
            throw new InvalidOperationException(
                $"Migration set '{scope}': SQLite versions [{string.Join(", ", sqliteVersions)}] and PostgreSQL versions [{string.Join(", ", postgresVersions)}] differ.");
        }

        return new MigrationSet(scope, found);
    }

    [GeneratedRegex(@"^(?<engine>sqlite|postgres)/(?<version>\d{1,6})_(?<name>[A-Za-z0-9_\-]+)\.sql$")]
    private static partial Regex ResourceName();
}
