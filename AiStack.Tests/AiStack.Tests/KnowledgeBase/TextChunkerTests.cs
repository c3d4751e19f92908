using AiStack.KnowledgeBase.Chunking;

namespace AiStack.Tests.KnowledgeBase;

public sealed class TextChunkerTests
{
    private static TextChunker Chunker(int size, int overlap, ChunkUnit unit = ChunkUnit.Characters) =>
        new(new ChunkingOptions { Size = size, Overlap = overlap, Unit = unit });

    private static string Sentences(int count) =>
        string.Join(' ', Enumerable.Range(1, count).Select(i => $"Sentence number {i} talks about topic {i % 7}."));

    [Fact]
    public void Short_text_is_one_trimmed_chunk()
    {
        var chunks = Chunker(100, 10).Split("  hello world  ");

        var chunk = Assert.Single(chunks);
        Assert.Equal("hello world", chunk.Text);
    }

    [Fact]
    public void Blank_text_has_no_chunks() => Assert.Empty(Chunker(100, 10).Split(" \n\t "));

    [Fact]
    public void Chunks_never_exceed_the_size()
    {
        var chunks = Chunker(200, 40).Split(Sentences(100));

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.True(c.Text.Length <= 200, $"chunk of {c.Text.Length}"));
    }

    [Fact]
    public void Every_word_of_the_text_is_in_some_chunk()
    {
        var text = Sentences(80);

        var chunks = Chunker(150, 30).Split(text);

        var covered = string.Join(' ', chunks.Select(c => c.Text));
        Assert.All(text.Split(' '), word => Assert.Contains(word, covered, StringComparison.Ordinal));
    }

    [Fact]
    public void Consecutive_chunks_overlap()
    {
        var chunks = Chunker(200, 60).Split(Sentences(40));

        for (var i = 1; i < chunks.Count; i++)
        {
            Assert.True(chunks[i].Start < chunks[i - 1].Start + chunks[i - 1].Length, $"chunk {i} does not overlap the previous one");
        }
    }

    [Fact]
    public void Cuts_prefer_paragraph_breaks()
    {
        var paragraph = string.Join(' ', Enumerable.Repeat("word", 30)); // 149 characters
        var text = paragraph + "\n\n" + paragraph + "\n\n" + paragraph;

        var chunks = Chunker(200, 0).Split(text);

        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(paragraph, c.Text));
    }

    [Fact]
    public void Cuts_prefer_sentence_ends_to_spaces()
    {
        var chunks = Chunker(100, 0).Split(Sentences(20));

        Assert.All(chunks.SkipLast(1), c => Assert.EndsWith(".", c.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void A_surrogate_pair_is_never_split()
    {
        // No spaces: every cut is a hard cut, and every odd offset falls inside a pair.
        var text = string.Concat(Enumerable.Repeat("😀", 500)) + "a" + string.Concat(Enumerable.Repeat("𝄞", 300));

        foreach (var (size, overlap) in new[] { (17, 5), (33, 16), (64, 7), (101, 50) })
        {
            foreach (var chunk in Chunker(size, overlap).Split(text))
            {
                Assert.False(char.IsLowSurrogate(chunk.Text[0]), $"chunk {chunk.Ordinal} starts inside a pair (size {size})");
                Assert.False(char.IsHighSurrogate(chunk.Text[^1]), $"chunk {chunk.Ordinal} ends inside a pair (size {size})");
            }
        }
    }

    [Fact]
    public void Word_mode_counts_words()
    {
        var text = string.Join(' ', Enumerable.Range(0, 1000).Select(i => "w" + i));

        var chunks = Chunker(100, 20, ChunkUnit.Words).Split(text);

        Assert.All(chunks, c => Assert.True(c.Text.Split(' ').Length <= 100));
        Assert.Equal("w0", chunks[0].Text.Split(' ')[0]);
        Assert.Equal("w80", chunks[1].Text.Split(' ')[0]);
        Assert.EndsWith("w999", chunks[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinals_count_from_zero()
    {
        var chunks = Chunker(100, 10).Split(Sentences(30));

        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Ordinal));
    }
}
