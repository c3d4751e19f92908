namespace AiStack.Contracts;

/// <summary>
/// Size limits that a service and the services that pass text on to it agree on. Each service enforces its own (a 400 that names
/// the field and the limit); a caller that builds text for another service trims to these first, so nothing is refused silently.
/// </summary>
public static class WireLimits
{
    /// <summary>The KnowledgeBase's query text: <c>/context</c>, <c>/vector/search</c>, <c>/documents?search=</c>.</summary>
    public const int MaxContextQueryChars = 4_000;

    /// <summary>The Coordinator's <c>/query</c> prompt and <c>/augment_query</c> query (its <c>Queries:MaxPromptChars</c> default).</summary>
    public const int MaxQueryPromptChars = 32_000;

    /// <summary>Ralph's task prompt (<c>POST /tasks</c>; its <c>Ralph:MaxPromptChars</c> default).</summary>
    public const int MaxTaskPromptChars = 200_000;

    /// <summary>
    /// The task prompt of an <c>llm</c> task: its iteration input (prompt, workspace files, edit format, previous iteration) must fit
    /// <see cref="MaxQueryPromptChars"/>, so the prompt may take at most half of it.
    /// </summary>
    public const int MaxLlmTaskPromptChars = MaxQueryPromptChars / 2;
}
