using System.Globalization;
using System.Text;

namespace AiStack.Storage.Dialects;

/// <summary>How keyword queries combine their words.</summary>
public enum FullTextMode
{
    /// <summary>Every word must occur (listing filters).</summary>
    AllWords,

    /// <summary>Any word may occur; the ranking rewards more of them (retrieval).</summary>
    AnyWord,
}

/// <summary>
/// The SQL differences between SQLite and PostgreSQL that application code meets. Schema scripts are written per dialect;
/// queries that are shared use these members for the few places where the two engines disagree.
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect Sqlite { get; } = new SqliteDialect();

    public static SqlDialect Postgres { get; } = new PostgresDialect();

    public static SqlDialect For(DatabaseProvider provider) => provider == DatabaseProvider.Postgres ? Postgres : Sqlite;

    public abstract DatabaseProvider Provider { get; }

    /// <summary>Column definition of a 64-bit, database-generated primary key.</summary>
    public abstract string IdentityPrimaryKey { get; }

    public abstract string BlobType { get; }

    public abstract string BooleanType { get; }

    public abstract string TimestampType { get; }

    public abstract string JsonType { get; }

    /// <summary>The SQL expression that stores the JSON text in parameter <paramref name="parameterName"/> in a JSON column.</summary>
    public abstract string JsonValue(string parameterName);

    /// <summary>
    /// INSERT ... ON CONFLICT (keys) DO UPDATE: both engines share this syntax (SQLite 3.24+), which is why it lives here once.
    /// Parameters are named after their columns.
    /// </summary>
    public virtual string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns, string? returning = null)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        ArgumentNullException.ThrowIfNull(columns);
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES (");
        sql.Append(string.Join(", ", columns.Select(ParameterFor)));
        sql.Append(CultureInfo.InvariantCulture, $") ON CONFLICT ({string.Join(", ", keyColumns)}) ");
        var updates = columns.Where(c => !keyColumns.Contains(c, StringComparer.Ordinal)).ToList();
        sql.Append(updates.Count == 0
            ? "DO NOTHING"
            : "DO UPDATE SET " + string.Join(", ", updates.Select(c => $"{c} = excluded.{c}")));
        if (returning is not null)
        {
            sql.Append(" RETURNING ").Append(returning);
        }

        return sql.ToString();
    }

    /// <summary>
    /// A predicate "column is one of the values in parameter": Dapper expands a list for SQLite, while Npgsql takes the whole
    /// array as one parameter (pass an array).
    /// </summary>
    public abstract string InList(string column, string parameterName);

    /// <summary>Suffix that makes an INSERT return the generated id (both engines support RETURNING).</summary>
    public virtual string ReturningId(string column = "id") => " RETURNING " + column;

    /// <summary>Parameter reference for a column in <see cref="Upsert"/>; JSON columns override it via <see cref="JsonValue"/>.</summary>
    protected virtual string ParameterFor(string column) => "@" + column;

    /// <summary>
    /// Turns free user text into this engine's full-text query, safely: the text's words are extracted (letters and digits of any
    /// script), so no user input can be a syntax error. Null when the text has no words.
    /// </summary>
    public abstract string? FullTextQuery(string text, FullTextMode mode);

    /// <summary>The words of a text as full-text engines see them: runs of letters or digits, lower-cased.</summary>
    public static IReadOnlyList<string> Words(string text, int maxWords = 64)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var start = -1;
        for (var i = 0; i <= text.Length && words.Count < maxWords; i++)
        {
            var isWordChar = i < text.Length && (char.IsLetterOrDigit(text, i) || (start >= 0 && char.IsLowSurrogate(text[i])));
            if (isWordChar)
            {
                if (start < 0)
                {
                    start = i;
                }
            }
            else if (start >= 0)
            {
                var word = text[start..i].ToLowerInvariant();
                if (seen.Add(word))
                {
                    words.Add(word);
                }

                start = -1;
            }
        }

        return words;
    }
}
