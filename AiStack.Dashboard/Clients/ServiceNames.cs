using AiStack.Clients;

namespace AiStack.Dashboard.Clients;

/// <summary>The services the control center reads, by their resource names (which are also their discovery names).</summary>
public static class ServiceNames
{
    public const string Ralph = RalphClient.ServiceName;
    public const string Coordinator = CoordinatorClient.ServiceName;
    public const string KnowledgeBase = KnowledgeBaseClient.ServiceName;
    public const string Learning = LearningClient.ServiceName;

    public static readonly IReadOnlyList<string> All = [KnowledgeBase, Coordinator, Learning, Ralph];
}
