namespace AiStack.Dashboard.Clients;

/// <summary>The services the control center reads, by their resource names (which are also their discovery names).</summary>
public static class ServiceNames
{
    public const string Ralph = "ralph";
    public const string Coordinator = "coordinator";
    public const string KnowledgeBase = "knowledgebase";
    public const string Learning = "learning";

    public static readonly IReadOnlyList<string> All = [KnowledgeBase, Coordinator, Learning, Ralph];
}
