namespace AiStack.Storage.Dialects;

/// <summary>SQLite 3.50 (Microsoft.Data.Sqlite): FTS5 for full text, TEXT for JSON and timestamps, INTEGER for booleans.</summary>
public sealed class SqliteDialect : SqlDialect
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override string IdentityPrimaryKey => "INTEGER PRIMARY KEY AUTOINCREMENT";

    public override string BlobType => "BLOB";

    public override string BooleanType => "INTEGER";

    public override string TimestampType => "TEXT";

    public override string JsonType => "TEXT";

    public override string InList(string column, string parameterName) => $"{column} IN @{parameterName}";

    public override string JsonValue(string parameterName) => "@" + parameterName;

    /// <summary>An FTS5 MATCH expression: each word double-quoted (so operators in user text are just words), joined by AND or OR.</summary>
    public override string? FullTextQuery(string text, FullTextMode mode)
    {
        var words = Words(text);
        if (words.Count == 0)
        {
            return null;
        }

        return string.Join(mode == FullTextMode.AllWords ? " AND " : " OR ", words.Select(w => "\"" + w.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
    }
}
