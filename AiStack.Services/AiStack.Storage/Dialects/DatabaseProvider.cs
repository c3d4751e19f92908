namespace AiStack.Storage.Dialects;

/// <summary>The relational engines a service can run on: SQLite in the embedded profile, PostgreSQL in the full profile.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
