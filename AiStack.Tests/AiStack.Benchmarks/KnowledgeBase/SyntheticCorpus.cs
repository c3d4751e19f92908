using System.Text;

namespace AiStack.Benchmarks.KnowledgeBase;

/// <summary>
/// Deterministic synthetic text: pronounceable words from a fixed vocabulary drawn with a Zipf-like skew, so that, as in real
/// text, a few words are everywhere and most are rare (which is what makes keyword ranking and caching behave realistically).
/// </summary>
internal sealed class SyntheticCorpus
{
    private static readonly string[] Syllables =
    [
        "ka", "lo", "mi", "ra", "te", "su", "no", "vi", "de", "po", "gu", "shi", "an", "el", "or", "ix", "um", "zen", "tro", "pla",
        "ser", "con", "fig", "dat", "ba", "qua", "ry", "net", "pro", "cess",
    ];

    private readonly string[] _vocabulary;
    private readonly Random _random;

    public SyntheticCorpus(int seed, int vocabularySize = 8000)
    {
        _random = new Random(seed);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var generator = new Random(12345);
        while (words.Count < vocabularySize)
        {
            var length = generator.Next(2, 4);
            var word = new StringBuilder();
            for (var i = 0; i < length; i++)
            {
                word.Append(Syllables[generator.Next(Syllables.Length)]);
            }

            words.Add(word.ToString());
        }

        _vocabulary = [.. words];
    }

    public string Word()
    {
        // Squaring a uniform draw favours low indexes: word 0 is far more common than word 7999.
        var u = _random.NextDouble();
        return _vocabulary[(int)(u * u * u * _vocabulary.Length)];
    }

    public string Sentence(int minWords, int maxWords)
    {
        var count = _random.Next(minWords, maxWords + 1);
        var words = Enumerable.Range(0, count).Select(_ => Word()).ToArray();
        words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
        return string.Join(' ', words) + ".";
    }

    /// <summary>A paragraph of about <paramref name="characters"/> characters.</summary>
    public string Paragraph(int characters)
    {
        var text = new StringBuilder();
        while (text.Length < characters - 60)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(Sentence(6, 12));
        }

        return text.ToString();
    }

    public string Query() => string.Join(' ', Enumerable.Range(0, _random.Next(3, 7)).Select(_ => Word()));
}
