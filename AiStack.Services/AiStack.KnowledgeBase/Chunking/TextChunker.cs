namespace AiStack.KnowledgeBase.Chunking;

/// <summary>A piece of a document: its position and its text (trimmed).</summary>
public sealed record TextChunk(int Ordinal, int Start, int Length, string Text);

/// <summary>
/// Cuts text into overlapping chunks of at most <see cref="ChunkingOptions.Size"/> units. A cut prefers, within the second half
/// of a window, a paragraph break, then a line break, then a sentence end, then any whitespace; a hard cut never splits a
/// surrogate pair. The overlap starts at a word boundary.
/// </summary>
public sealed class TextChunker(ChunkingOptions options)
{
    public IReadOnlyList<TextChunk> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return options.Unit == ChunkUnit.Words ? SplitWords(text) : SplitCharacters(text);
    }

    private List<TextChunk> SplitCharacters(string text)
    {
        var chunks = new List<TextChunk>();
        var n = text.Length;
        var position = SkipWhitespace(text, 0);
        while (position < n)
        {
            var hardEnd = Math.Min(n, position + options.Size);
            var end = hardEnd;
            if (hardEnd < n)
            {
                end = SafeCut(text, FindBreak(text, position + options.Size / 2, hardEnd), position);
            }

            Add(chunks, text, position, end);
            if (end >= n)
            {
                break;
            }

            var next = end - options.Overlap;
            if (options.Overlap > 0)
            {
                // Start the overlap at a word so no chunk begins with half a word.
                while (next < end && next > 0 && !char.IsWhiteSpace(text[next - 1]))
                {
                    next++;
                }
            }

            next = SafeCut(text, Math.Max(next, position + 1), position);
            next = SkipWhitespace(text, next);
            position = next <= position ? end : next;
        }

        return chunks;
    }

    private List<TextChunk> SplitWords(string text)
    {
        var starts = new List<int>();
        var ends = new List<int>();
        for (var i = 0; i < text.Length;)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            starts.Add(i);
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            ends.Add(i);
        }

        var chunks = new List<TextChunk>();
        var first = 0;
        while (first < starts.Count)
        {
            var last = Math.Min(starts.Count, first + options.Size);
            if (last < starts.Count)
            {
                // Prefer to end after a word that closes a sentence or precedes a paragraph break, in the window's second half.
                for (var w = last; w > first + options.Size / 2; w--)
                {
                    var closes = text[ends[w - 1] - 1] is '.' or '!' or '?' ||
                        text.AsSpan(ends[w - 1], starts[w] - ends[w - 1]).Contains('\n');
                    if (closes)
                    {
                        last = w;
                        break;
                    }
                }
            }

            Add(chunks, text, starts[first], ends[last - 1]);
            if (last >= starts.Count)
            {
                break;
            }

            first = Math.Max(first + 1, last - options.Overlap);
        }

        return chunks;
    }

    private static void Add(List<TextChunk> chunks, string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            chunks.Add(new TextChunk(chunks.Count, start, end - start, text[start..end]));
        }
    }

    /// <summary>The best cut in (minEnd, hardEnd]: after a paragraph break, a line break, a sentence end, or whitespace.</summary>
    private static int FindBreak(string text, int minEnd, int hardEnd)
    {
        for (var i = hardEnd; i > minEnd; i--)
        {
            if (text[i - 1] == '\n' && i >= 2 && text[i - 2] == '\n')
            {
                return i;
            }
        }

        for (var i = hardEnd; i > minEnd; i--)
        {
            if (text[i - 1] == '\n')
            {
                return i;
            }
        }

        for (var i = hardEnd; i > minEnd; i--)
        {
            if (i >= 2 && char.IsWhiteSpace(text[i - 1]) && text[i - 2] is '.' or '!' or '?' or '。')
            {
                return i;
            }
        }

        for (var i = hardEnd; i > minEnd; i--)
        {
            if (char.IsWhiteSpace(text[i - 1]))
            {
                return i;
            }
        }

        return hardEnd;
    }

    /// <summary>Moves a cut that would fall between a high and a low surrogate so the pair stays whole.</summary>
    private static int SafeCut(string text, int cut, int chunkStart)
    {
        if (cut > 0 && cut < text.Length && char.IsLowSurrogate(text[cut]) && char.IsHighSurrogate(text[cut - 1]))
        {
            return cut - 1 > chunkStart ? cut - 1 : cut + 1;
        }

        return cut;
    }

    private static int SkipWhitespace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }
}
