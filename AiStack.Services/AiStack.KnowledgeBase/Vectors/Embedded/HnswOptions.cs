using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Vectors.Embedded;

/// <summary><c>Vectors:Hnsw</c> section: when and how the embedded index adds an HNSW graph (USearch) to a collection.</summary>
public sealed class HnswOptions
{
    public const string SectionName = "Vectors:Hnsw";

    /// <summary>
    /// Vectors in a collection from which searches go through the HNSW graph instead of the exact scan. Below it the scan is
    /// exact and fast enough (about 1 ms per 20k 384-d vectors); 0 turns HNSW off.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int Threshold { get; set; } = 20_000;

    /// <summary>Graph edges per node (HNSW M).</summary>
    [Range(4, 128, ErrorMessage = "Vectors:Hnsw:Connectivity must be between 4 and 128.")]
    public int Connectivity { get; set; } = 16;

    /// <summary>Candidate list while inserting (efConstruction).</summary>
    [Range(8, 1024, ErrorMessage = "Vectors:Hnsw:ExpansionAdd must be between 8 and 1024.")]
    public int ExpansionAdd { get; set; } = 128;

    /// <summary>Candidate list while searching (ef): 256 is the lowest measured to give recall@10 >= 0.95 at 1M vectors, p95 3.7 ms (README, "Vector search at scale").</summary>
    [Range(8, 4096, ErrorMessage = "Vectors:Hnsw:ExpansionSearch must be between 8 and 4096.")]
    public int ExpansionSearch { get; set; } = 256;

    /// <summary>Folder of the saved graphs; default: <c>knowledgebase-hnsw</c> beside the SQLite file, or under AISTACK_HOME/data.</summary>
    public string? Directory { get; set; }
}
