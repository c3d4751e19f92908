using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace AiStack.Contracts.KnowledgeBase;

/// <summary><c>POST /documents</c>. Re-posting the same (project, source) replaces the document and its chunks.</summary>
public sealed record AddDocumentRequest
{
    [Required]
    public string? Project { get; init; }

    [Required]
    public string? Title { get; init; }

    [Required]
    public string? Content { get; init; }

    /// <summary>Where the text came from (a path or URL); the document's identity within its project. Defaults to the title.</summary>
    public string? Source { get; init; }

    /// <summary>A JSON object stored with the document.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>One of the knowledge collections; defaults to codebase-context.</summary>
    public string? Collection { get; init; }
}

public sealed record AddDocumentResponse(long Id, int ChunkCount, string Project, string Collection, string Source, bool Replaced);

public sealed record DocumentView
{
    public required long Id { get; init; }

    public required string Project { get; init; }

    public required string Collection { get; init; }

    public required string Title { get; init; }

    public required string Source { get; init; }

    public required JsonElement Metadata { get; init; }

    public required int ChunkCount { get; init; }

    public required int ContentLength { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Present on <c>GET /documents/{id}</c>, and on the list with <c>include_content=true</c>.</summary>
    public string? Content { get; init; }
}

/// <summary><c>GET /documents</c>: one page of documents, newest first, and the total that match.</summary>
public sealed record DocumentListResponse(IReadOnlyList<DocumentView> Documents, long Total, string? Project, int Limit, int Offset);

public sealed record DeleteDocumentResponse(long Id, bool Deleted, int ChunksRemoved);
