namespace AiStack.Contracts.Validation;

/// <summary>
/// The rule every service applies to text it stores or passes on: no NUL (PostgreSQL's text type refuses it) and no lone
/// surrogate (UTF-8 cannot encode it), so that what one service accepts the next can store.
/// </summary>
public static class StorableText
{
    /// <summary>The error message for <paramref name="field"/> when its value (null: absent) cannot be stored, else null.</summary>
    public static string? Check(string field, string? value) =>
        value is not null && Problem(value) is { } problem ? $"{field} {problem}." : null;

    /// <summary>Why <paramref name="value"/> cannot be stored (a phrase that follows the field's name), or null when it can.</summary>
    public static string? Problem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return "contains a NUL character";
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                return "contains a lone surrogate (invalid UTF-16)";
            }

            if (char.IsLowSurrogate(c))
            {
                return "contains a lone surrogate (invalid UTF-16)";
            }
        }

        return null;
    }
}
