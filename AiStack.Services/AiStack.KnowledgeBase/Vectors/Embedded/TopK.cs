namespace AiStack.KnowledgeBase.Vectors.Embedded;

/// <summary>Keeps the k highest-scoring items seen, in a bounded min-heap: O(n log k) over n candidates.</summary>
internal sealed class TopK<T>(int k)
{
    private readonly PriorityQueue<T, float> _heap = new(k + 1);

    public int Count => _heap.Count;

    /// <summary>The score an item must beat to enter once the heap is full.</summary>
    public float Threshold => _heap.Count < k ? float.NegativeInfinity : _heap.TryPeek(out _, out var lowest) ? lowest : float.NegativeInfinity;

    public void Offer(T item, float score)
    {
        if (k <= 0)
        {
            return;
        }

        if (_heap.Count < k)
        {
            _heap.Enqueue(item, score);
        }
        else if (score > Threshold)
        {
            _heap.DequeueEnqueue(item, score);
        }
    }

    /// <summary>The kept items, best first.</summary>
    public List<(T Item, float Score)> ToSortedList()
    {
        var list = new List<(T, float)>(_heap.Count);
        foreach (var (item, score) in _heap.UnorderedItems)
        {
            list.Add((item, score));
        }

        list.Sort((a, b) => b.Item2.CompareTo(a.Item2));
        return list;
    }
}
