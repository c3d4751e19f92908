namespace AiStack.Storage.Migrations;

/// <summary>One versioned schema change for one engine. Versions are applied in ascending order, each in its own transaction.</summary>
public sealed record Migration(int Version, string Name, string Sql);
