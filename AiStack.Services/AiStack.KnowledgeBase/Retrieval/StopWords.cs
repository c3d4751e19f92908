namespace AiStack.KnowledgeBase.Retrieval;

/// <summary>English words that carry no topic. Both the hashing embedder and keyword search ignore them.</summary>
public static class StopWords
{
    private static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does", "for", "from", "has", "have",
        "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "so", "that",
        "the", "their", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which",
        "while", "who", "why", "will", "with", "you", "your",
    };

    public static bool Contains(string lowerCaseWord) => Words.Contains(lowerCaseWord);
}
