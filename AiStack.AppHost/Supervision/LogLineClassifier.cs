namespace AiStack.AppHost.Supervision;

/// <summary>Decides which output lines count as errors (warning level and above, or anything a .NET service writes to stderr).</summary>
public static class LogLineClassifier
{
    // .NET's simple console formatter: "warn: ", "fail: ", "crit: " (optionally after a timestamp).
    private static readonly string[] DotNetLevels = ["warn:", "fail:", "crit:"];

    // PostgreSQL writes every line to stderr; its level is in the text.
    private static readonly string[] PostgresLevels = ["WARNING:", "ERROR:", "FATAL:", "PANIC:"];

    public static bool IsServiceError(string line, bool fromStderr)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (fromStderr)
        {
            return true;
        }

        var text = line.TrimStart();
        return DotNetLevels.Any(level => text.StartsWith(level, StringComparison.Ordinal) ||
                                         text.Contains(" " + level + " ", StringComparison.Ordinal)) ||
               text.Contains("Unhandled exception", StringComparison.Ordinal);
    }

    public static bool IsPostgresError(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return PostgresLevels.Any(level => line.Contains(level, StringComparison.Ordinal));
    }

    /// <summary>
    /// Redis marks the level with one character after the timestamp, '#' for warnings; it also logs its start-up banner at that
    /// level, so only '#' lines that say what went wrong count.
    /// </summary>
    public static bool IsRedisError(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains(" # ", StringComparison.Ordinal) &&
               (line.Contains("WARNING", StringComparison.Ordinal) || line.Contains("rror", StringComparison.Ordinal) ||
                line.Contains("ail", StringComparison.Ordinal));
    }
}
