using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Collections;

/// <summary>A knowledge collection with the number of results it contributes and the minimum score it accepts by default.</summary>
public sealed record KnowledgeCollection(string Name, string Description, int DefaultLimit, double MinScore);

/// <summary>
/// <c>Collections</c> section: per-collection overrides, e.g. <c>Collections:codebase-context:MinScore</c>.
/// <see cref="MinScoreScale"/> multiplies the original's minimum scores, which were tuned for a sentence-embedding model
/// (bge-small); the lexical hashing embedder scores a good match lower (see README, "Scores").
/// </summary>
public sealed class CollectionOptions
{
    public const string SectionName = "Collections";

    [Range(0.0, 10.0, ErrorMessage = "Collections:MinScoreScale must be between 0 and 10.")]
    public double? MinScoreScale { get; set; }

    public Dictionary<string, CollectionOverride> Overrides { get; } = new(StringComparer.Ordinal);
}

public sealed class CollectionOverride
{
    [Range(1, 100, ErrorMessage = "Collections:Overrides:<name>:DefaultLimit must be between 1 and 100.")]
    public int? DefaultLimit { get; set; }

    [Range(-1.0, 1.0, ErrorMessage = "Collections:Overrides:<name>:MinScore must be between -1 and 1.")]
    public double? MinScore { get; set; }
}

/// <summary>The collections of the original system, with its defaults.</summary>
public sealed class KnowledgeCollections
{
    public const string CodebaseContext = "codebase-context";
    public const string SkillsPatterns = "skills-patterns";
    public const string ErrorSolutions = "error-solutions";
    public const string BestPractices = "best-practices";
    public const string InteractionHistory = "interaction-history";
    public const string LearningFeedback = "learning-feedback";

    public static readonly IReadOnlyList<KnowledgeCollection> Defaults =
    [
        new(CodebaseContext, "Code, docs and configuration of the projects.", 5, 0.7),
        new(SkillsPatterns, "Reusable patterns learned from successful work.", 3, 0.75),
        new(ErrorSolutions, "Errors and how they were solved.", 2, 0.8),
        new(BestPractices, "Guidelines and conventions.", 2, 0.75),
        new(InteractionHistory, "Past queries and answers.", 3, 0.7),
        new(LearningFeedback, "Corrections and ratings from users.", 3, 0.7),
    ];

    private readonly Dictionary<string, KnowledgeCollection> _byName;

    public KnowledgeCollections(IReadOnlyList<KnowledgeCollection> collections)
    {
        ArgumentNullException.ThrowIfNull(collections);
        All = collections;
        _byName = collections.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<KnowledgeCollection> All { get; }

    public IEnumerable<string> Names => All.Select(c => c.Name);

    public bool TryGet(string name, out KnowledgeCollection collection) => _byName.TryGetValue(name, out collection!);

    public KnowledgeCollection Get(string name) => _byName[name];

    /// <summary>The defaults with a scale on their minimum scores and any per-collection overrides applied.</summary>
    public static KnowledgeCollections Create(CollectionOptions options, double defaultScale)
    {
        ArgumentNullException.ThrowIfNull(options);
        var scale = options.MinScoreScale ?? defaultScale;
        return new KnowledgeCollections(Defaults.Select(c =>
        {
            options.Overrides.TryGetValue(c.Name, out var o);
            return c with
            {
                DefaultLimit = o?.DefaultLimit ?? c.DefaultLimit,
                MinScore = Math.Round(o?.MinScore ?? c.MinScore * scale, 4),
            };
        }).ToList());
    }
}
