-- Every ingested event, keyed by its id (idempotent ingest). processed_batch is set in the same transaction as the batch's
-- results: unprocessed rows are exactly those with processed_batch IS NULL, whatever order concurrent writers committed in.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    trace_id TEXT NULL,
    task_id TEXT NULL,
    payload TEXT NULL,
    payload_gz BLOB NULL,
    size_bytes INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    processed_batch INTEGER NULL,
    processed_at TEXT NULL
);
CREATE INDEX ix_events_unprocessed ON events (seq) WHERE processed_batch IS NULL;
CREATE INDEX ix_events_type_time ON events (type, time);
CREATE INDEX ix_events_task ON events (task_id);
CREATE INDEX ix_events_processed_at ON events (processed_at);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE checkpoint (
    name TEXT PRIMARY KEY,
    batch INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    events INTEGER NOT NULL,
    holder TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE patterns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern_type TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prompt TEXT NOT NULL,
    response TEXT NOT NULL,
    backend TEXT NULL,
    iterations INTEGER NULL,
    outcome TEXT NOT NULL,
    feedback INTEGER NULL,
    value REAL NOT NULL,
    occurrences INTEGER NOT NULL,
    embedding BLOB NULL,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_value REAL NULL
);
CREATE INDEX ix_patterns_type ON patterns (pattern_type);

-- Which task or interaction produced (or was merged into) which pattern, so feedback that arrives later finds it.
CREATE TABLE pattern_origins (
    origin_key TEXT PRIMARY KEY,
    pattern_id INTEGER NOT NULL REFERENCES patterns (id) ON DELETE CASCADE
);

CREATE TABLE dataset_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern_id INTEGER NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    line TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    prompt TEXT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    ralph_task_id TEXT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NULL,
    created_at TEXT NOT NULL,
    submitted_at TEXT NULL
);

-- Running evidence for proposals (limit hits per level, timeouts per backend, dependency errors, route outcomes).
CREATE TABLE signals (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE task_iterations (
    task_id TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    exit_code INTEGER NOT NULL,
    backend TEXT NULL,
    output TEXT NULL,
    error TEXT NULL,
    fixed INTEGER NOT NULL,
    PRIMARY KEY (task_id, iteration)
);

CREATE TABLE interactions (
    interaction_id TEXT PRIMARY KEY,
    prompt TEXT NULL,
    response TEXT NULL,
    route TEXT NULL,
    query_kind TEXT NULL,
    variant TEXT NULL,
    tags TEXT NULL,
    outcome TEXT NULL,
    feedback INTEGER NULL,
    rating REAL NULL,
    time TEXT NOT NULL
);
CREATE INDEX ix_interactions_time ON interactions (time);

CREATE TABLE jsonl_positions (
    path TEXT PRIMARY KEY,
    file_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    corrupt INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
