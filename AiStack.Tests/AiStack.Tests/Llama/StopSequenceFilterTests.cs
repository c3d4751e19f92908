using AiStack.Llama.Generation;

namespace AiStack.Tests.Llama;

public sealed class StopSequenceFilterTests
{
    [Fact]
    public void Text_that_may_begin_a_stop_sequence_is_held_back_until_it_cannot()
    {
        var filter = new StopSequenceFilter(["</answer>"]);
        Assert.Equal(("hello ", false), filter.Push("hello </"));
        Assert.Equal(("</b> more", false), filter.Push("b> more"));
    }

    [Fact]
    public void A_stop_sequence_split_over_pieces_ends_the_text_before_it()
    {
        var filter = new StopSequenceFilter(["END"]);
        Assert.Equal(("abc", false), filter.Push("abcE"));
        Assert.Equal((string.Empty, false), filter.Push("N"));
        Assert.Equal((string.Empty, true), filter.Push("D and more"));
    }

    [Fact]
    public void The_earliest_of_several_stop_sequences_wins()
    {
        var filter = new StopSequenceFilter(["world", "lo w"]);
        Assert.Equal(("hel", true), filter.Push("hello world"));
    }

    [Fact]
    public void Held_text_is_released_when_generation_ends_otherwise()
    {
        var filter = new StopSequenceFilter(["###"]);
        Assert.Equal(("x", false), filter.Push("x##"));
        Assert.Equal("##", filter.Flush());
    }

    [Fact]
    public void Without_stop_sequences_text_passes_straight_through()
    {
        var filter = new StopSequenceFilter([]);
        Assert.Equal(("partial <", false), filter.Push("partial <"));
    }
}
