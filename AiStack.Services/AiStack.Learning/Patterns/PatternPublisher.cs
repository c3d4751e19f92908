using System.Text.Json.Nodes;
using AiStack.Clients;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Patterns;

/// <summary>
/// Posts patterns at or above <c>Learning:ValueThreshold</c> to the KnowledgeBase (error -> fix into <c>error-solutions</c>, the rest
/// into <c>skills-patterns</c>), project <c>aistack-learning</c>, source <c>pattern:&lt;id&gt;</c> so that a re-post (after a crash,
/// or when the value changes) replaces the document. Only patterns already through near-duplicate dedup are posted.
/// </summary>
public sealed class PatternPublisher(Database database, IServiceProvider services, IOptions<LearningOptions> options)
{
    public const string Project = "aistack-learning";
    public const string SkillsCollection = "skills-patterns";
    public const string ErrorCollection = "error-solutions";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var client = services.GetService<KnowledgeBaseClient>();
        if (client is null)
        {
            return 0;
        }

        var published = 0;
        while (true)
        {
            List<PatternRow> due;
            await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            {
                due = (await connection.QueryAsync<PatternRow>(new CommandDefinition(
                    $"SELECT {PatternRow.Columns} FROM patterns WHERE value >= @threshold AND embedding IS NOT NULL " +
                    "AND (published_value IS NULL OR published_value <> value) ORDER BY id LIMIT 50",
                    new { threshold = options.Value.ValueThreshold }, cancellationToken: cancellationToken))).AsList();
            }

            if (due.Count == 0)
            {
                return published;
            }

            foreach (var pattern in due)
            {
                var metadata = new JsonObject
                {
                    ["pattern_id"] = pattern.Id,
                    ["pattern_type"] = pattern.Type,
                    ["value_score"] = pattern.Value,
                    ["outcome"] = pattern.Outcome,
                    ["backend"] = pattern.Backend,
                    ["iterations"] = pattern.Iterations,
                    ["occurrences"] = pattern.Occurrences,
                    ["source"] = "learning",
                };
                var collection = pattern.Type == PatternTypes.ErrorFix ? ErrorCollection : SkillsCollection;
                var title = pattern.Prompt.Length > 80 ? pattern.Prompt[..80] : pattern.Prompt;
                var content = pattern.Type == PatternTypes.ErrorFix
                    ? $"Error:\n{pattern.Prompt}\n\nFix:\n{pattern.Response}"
                    : $"Problem:\n{pattern.Prompt}\n\nSolution:\n{pattern.Response}";
                await client.AddDocumentAsync(new AddDocumentRequest
                {
                    Project = Project,
                    Collection = collection,
                    Title = title,
                    Source = $"pattern:{pattern.Id}",
                    Content = content,
                    Metadata = System.Text.Json.JsonSerializer.SerializeToElement(metadata),
                }, cancellationToken);
                await using var connection = await database.OpenConnectionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition("UPDATE patterns SET published_value = @Value WHERE id = @Id",
                    new { pattern.Value, pattern.Id }, cancellationToken: cancellationToken));
                published++;
            }
        }
    }
}
