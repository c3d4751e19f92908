using System.Data;
using System.Globalization;
using Dapper;
using Npgsql;

namespace AiStack.Storage;

/// <summary>
/// Timestamps as <see cref="DateTimeOffset"/> in UTC on both engines: TIMESTAMPTZ in PostgreSQL, ISO-8601 text in SQLite
/// (which sorts correctly as text because every value is UTC with the same format).
/// </summary>
internal sealed class TimestampTypeHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var utc = value.ToUniversalTime();
        if (parameter is NpgsqlParameter)
        {
            parameter.Value = utc;
        }
        else
        {
            parameter.DbType = DbType.String;
            parameter.Value = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        }
    }

    public override DateTimeOffset Parse(object value) => value switch
    {
        DateTimeOffset offset => offset.ToUniversalTime(),
        DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new DataException($"Cannot read a timestamp from a {value?.GetType().Name ?? "null"} value."),
    };

    private static int _registered;

    /// <summary>Registers the handler with Dapper once per process.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            // Dapper maps DateTimeOffset parameters itself unless its built-in mapping is removed first; Npgsql then rejects any
            // offset but zero, and SQLite would store local offsets that sort wrongly as text.
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
            SqlMapper.AddTypeHandler(new TimestampTypeHandler());
        }
    }
}
