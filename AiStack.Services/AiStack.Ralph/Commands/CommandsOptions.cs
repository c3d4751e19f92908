namespace AiStack.Ralph.Commands;

/// <summary>
/// What a child process of Ralph (agent, verify command, git) may be and what it sees: section <c>Ralph:Commands</c>.
/// </summary>
public sealed class CommandsOptions
{
    /// <summary>
    /// Verify commands a task may name, by rule name (<c>Ralph:Commands:Allowed:&lt;name&gt;</c>). A rule with the name of a built-in
    /// one replaces it.
    /// </summary>
    public Dictionary<string, CommandRule> Allowed { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Keep the built-in rules (<see cref="CommandAllowList.Defaults"/>) beside <see cref="Allowed"/>.</summary>
    public bool IncludeDefaults { get; set; } = true;

    /// <summary>
    /// Variables passed on to child processes besides the built-in few (<see cref="ChildEnvironment.PassedByDefault"/>). A name that
    /// looks like a secret is refused at start-up: give an agent its key in <c>Ralph:Backends:&lt;name&gt;:Environment</c>.
    /// </summary>
    public List<string> PassEnvironment { get; set; } = [];

    /// <summary>Per-task HOME and TMPDIR of child processes; default <c>$AISTACK_HOME/ralph-scratch</c>. Never under the workspace root.</summary>
    public string? ScratchRoot { get; set; }
}

/// <summary>
/// One allowed command: the program (a name on PATH or an absolute path, resolved to its real full path at start-up) and a
/// pattern per argument position. Every pattern is a .NET regular expression that must match the whole argument.
/// </summary>
public sealed class CommandRule
{
    public string Program { get; set; } = "";

    /// <summary>Patterns of the first arguments, one per position; a command has at least this many arguments.</summary>
    public List<string> Arguments { get; set; } = [];

    /// <summary>The pattern each further argument must match; absent: no further argument is allowed.</summary>
    public string? MoreArguments { get; set; }
}
