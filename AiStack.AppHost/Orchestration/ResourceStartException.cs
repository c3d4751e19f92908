namespace AiStack.AppHost.Orchestration;

/// <summary>A resource did not start or become ready; the message names it and includes its last log lines.</summary>
public sealed class ResourceStartException : Exception
{
    public ResourceStartException(string resource, string reason, IEnumerable<string> lastLines)
        : base(Describe(resource, reason, lastLines))
    {
        Resource = resource;
    }

    public ResourceStartException()
    {
        Resource = "";
    }

    public ResourceStartException(string message)
        : base(message)
    {
        Resource = "";
    }

    public ResourceStartException(string message, Exception innerException)
        : base(message, innerException)
    {
        Resource = "";
    }

    public string Resource { get; }

    private static string Describe(string resource, string reason, IEnumerable<string> lastLines)
    {
        var lines = lastLines.ToList();
        var text = $"Resource '{resource}' {reason}.";
        return lines.Count == 0
            ? text + " It wrote nothing."
            : text + " Its last lines:" + Environment.NewLine + string.Join(Environment.NewLine, lines.Select(l => "    " + l));
    }
}
