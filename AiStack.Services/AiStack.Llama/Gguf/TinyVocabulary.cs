using System.Globalization;

namespace AiStack.Llama.Gguf;

/// <summary>
/// A SentencePiece-style vocabulary for generated models: control tokens, the 256 byte-fallback tokens, printable ASCII
/// characters and whole words with every prefix ("▁h", "▁he", ...; longer scores higher) so the SPM merge reaches whole words.
/// Text outside the vocabulary falls back to byte tokens, so any UTF-8 round-trips.
/// </summary>
internal sealed class TinyVocabulary
{
    public const int Unknown = 0;
    public const int Bos = 1;
    public const int Eos = 2;
    public const int ImStart = 3;
    public const int ImEnd = 4;

    private const int Normal = 1;
    private const int UnknownType = 2;
    private const int Control = 3;
    private const int ByteType = 6;
    private const char Space = '\u2581';

    private static readonly string[] Words =
    [
        "the", "be", "to", "of", "and", "a", "in", "that", "have", "it", "for", "not", "on", "with", "he", "as", "you", "do", "at",
        "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will", "my", "one", "all", "would",
        "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which", "go", "me", "when", "make", "can",
        "like", "time", "no", "just", "him", "know", "take", "people", "into", "year", "your", "good", "some", "could", "them",
        "see", "other", "than", "then", "now", "look", "only", "come", "its", "over", "think", "also", "back", "after", "use",
        "two", "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these", "give", "day",
        "most", "us", "is", "are", "was", "were", "been", "has", "had", "did", "hello", "world", "code", "test", "file", "data",
        "model", "token", "stack", "local", "remote", "query", "answer", "question", "error", "function", "class", "public",
        "return", "value", "string", "list", "build", "run", "task", "agent", "context", "search", "document", "pattern",
        "write", "read", "python", "csharp", "dotnet", "llama", "service", "request", "response", "server", "client", "cache",
    ];

    private TinyVocabulary()
    {
    }

    public List<string> Tokens { get; } = [];

    public List<float> Scores { get; } = [];

    public List<int> Types { get; } = [];

    public static TinyVocabulary Build(int size)
    {
        var vocabulary = new TinyVocabulary();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string text, float score, int type)
        {
            if (seen.Add(text))
            {
                vocabulary.Tokens.Add(text);
                vocabulary.Scores.Add(score);
                vocabulary.Types.Add(type);
            }
        }

        Add("<unk>", 0, UnknownType);
        Add("<s>", 0, Control);
        Add("</s>", 0, Control);
        Add("<|im_start|>", 0, Control);
        Add("<|im_end|>", 0, Control);
        for (var b = 0; b < 256; b++)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), 0, ByteType);
        }

        Add(Space.ToString(), -1, Normal);
        for (var c = 33; c < 127; c++)
        {
            Add(((char)c).ToString(), -1, Normal);
        }

        void AddWord(string word)
        {
            for (var length = 1; length <= word.Length; length++)
            {
                Add(Space + word[..length], length, Normal);
            }
        }

        foreach (var word in Words)
        {
            AddWord(word);
        }

        var minimum = vocabulary.Tokens.Count;
        if (size < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"The generated tokenizer needs at least {minimum} tokens.");
        }

        // Fill up with made-up words built from syllables, deterministic, until the requested size.
        string[] syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "si", "ve", "du", "ga", "fe", "zo", "bi", "hu", "ja"];
        for (var i = 0; vocabulary.Tokens.Count < size; i++)
        {
            var word = string.Empty;
            for (var j = i; ; j /= syllables.Length)
            {
                word += syllables[j % syllables.Length];
                if (j < syllables.Length)
                {
                    break;
                }
            }

            for (var length = 1; length <= word.Length && vocabulary.Tokens.Count < size; length++)
            {
                Add(Space + word[..length], length, Normal);
            }
        }

        return vocabulary;
    }
}
