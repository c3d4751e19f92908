-- Which embedder each collection's vectors come from; a different configured model means re-embedding (never mixing).
CREATE TABLE collection_embedders (
    collection TEXT PRIMARY KEY,
    embedding_model TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_chunks_embedding_model ON chunks (embedding_model, collection);
