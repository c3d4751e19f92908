-- Events whose processing failed. A row with quarantined_at NULL is still retried (one attempt per run); once attempts reach
-- Learning:MaxAttempts the event is quarantined: its events row is set aside with processed_batch = 0 (never a real batch
-- number), so it is out of the backlog and out of retention until a replay puts it back (processed_batch NULL) and deletes this row.
CREATE TABLE dead_letters (
    event_seq INTEGER PRIMARY KEY REFERENCES events (seq) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL,
    quarantined_at TEXT NULL
);
CREATE INDEX ix_dead_letters_last_failed ON dead_letters (last_failed_at);
