-- Booleans are INTEGER 0/1 and JSON is TEXT on both engines, so that every query is the same text.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    prompt TEXT NOT NULL,
    backend TEXT NOT NULL,
    requested_max_iterations INTEGER NOT NULL,
    max_iterations INTEGER NOT NULL,
    iteration_mode TEXT NOT NULL,
    complexity TEXT NULL,
    task_type TEXT NOT NULL,
    require_approval INTEGER NOT NULL,
    context TEXT NULL,
    completion TEXT NULL,
    workspace TEXT NOT NULL,
    max_wall_s INTEGER NULL,
    max_tokens BIGINT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    iteration INTEGER NOT NULL DEFAULT 0,
    exit_blocks INTEGER NOT NULL DEFAULT 0,
    tokens_used BIGINT NOT NULL DEFAULT 0,
    completion_reason TEXT NULL,
    error TEXT NULL,
    approval TEXT NULL,
    stop_requested INTEGER NOT NULL DEFAULT 0,
    trace_id TEXT NULL,
    lease_owner TEXT NULL,
    lease_expires_at TEXT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT NULL,
    last_update TEXT NOT NULL,
    finished_at TEXT NULL
);
CREATE INDEX ix_tasks_status_created ON tasks (status, created_at);
CREATE INDEX ix_tasks_lease_owner ON tasks (lease_owner);

CREATE TABLE iterations (
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    error TEXT NULL,
    exit_code INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    files_changed TEXT NOT NULL DEFAULT '[]',
    tokens BIGINT NOT NULL DEFAULT 0,
    route TEXT NULL,
    completed INTEGER NOT NULL,
    exit_blocked INTEGER NOT NULL,
    replica TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (task_id, number)
);

CREATE TABLE adaptive_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_type TEXT NOT NULL,
    backend TEXT NOT NULL,
    success INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX ix_adaptive_history_key ON adaptive_history (task_type, backend, id);

CREATE TABLE settings_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    settings TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
