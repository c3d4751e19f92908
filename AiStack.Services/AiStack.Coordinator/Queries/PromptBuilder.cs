using System.Text;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.KnowledgeBase;

namespace AiStack.Coordinator.Queries;

/// <summary>Puts retrieved context and the question into one prompt, the same way for /query and /augment_query.</summary>
public static class PromptBuilder
{
    public const string SystemPrompt =
        "You are AiStack's coding assistant. Answer precisely. Use the numbered context when it is relevant and say so when it is not.";

    public static string Augment(string query, IReadOnlyList<ContextResult> context, string? agentType, int maxChunkChars)
    {
        if (context.Count == 0)
        {
            return query;
        }

        var builder = new StringBuilder();
        builder.Append("Context");
        if (!string.IsNullOrWhiteSpace(agentType))
        {
            builder.Append(" for the ").Append(agentType).Append(" agent");
        }

        builder.AppendLine(":");
        for (var i = 0; i < context.Count; i++)
        {
            var item = context[i];
            var content = item.Content.Length > maxChunkChars ? item.Content[..maxChunkChars] + " ..." : item.Content;
            builder.Append('[').Append(i + 1).Append("] (").Append(item.Collection);
            if (!string.IsNullOrWhiteSpace(item.Source))
            {
                builder.Append(", ").Append(item.Source);
            }

            builder.AppendLine(")").AppendLine(content.Trim()).AppendLine();
        }

        builder.AppendLine("Question:").Append(query);
        return builder.ToString();
    }
}
