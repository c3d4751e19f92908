using System.ComponentModel.DataAnnotations;

namespace AiStack.Storage;

/// <summary>
/// Where a service keeps its data. <c>ConnectionStrings:postgres</c> (Aspire's convention) selects PostgreSQL; otherwise a SQLite
/// file: <c>Storage:SqlitePath</c>, or <c>{AISTACK_HOME}/data/{service}.db</c>.
/// </summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Storage";

    /// <summary>Npgsql connection string; null or empty means SQLite.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>The SQLite file used when no PostgreSQL connection string is given.</summary>
    [Required(ErrorMessage = "Storage:SqlitePath must name a file when ConnectionStrings:postgres is not set.")]
    public string SqlitePath { get; set; } = "";

    /// <summary>How long start-up waits for the database to accept connections before it gives up with a message.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Storage:StartupTimeout must be between 0 and 10 minutes.")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>SQLite waits this long for a lock held by another connection before failing (busy_timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Storage:SqliteBusyTimeout must be between 0 and 5 minutes.")]
    public TimeSpan SqliteBusyTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
