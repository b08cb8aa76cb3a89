-- Members' copies of their data ("download my data", privacy::export):
-- one row per export asked for, built by a `data_export` job into the
-- media store under `exports/<id>.zip`, deleted a week after it is ready.
-- Deleted accounts' erase schedule (privacy::erase) needs no table: its
-- jobs are keyed by the member.
CREATE TABLE data_exports (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    state      TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    total      INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    ready_at   INTEGER,
    expires_at INTEGER
);
CREATE INDEX data_exports_user ON data_exports (user_id, created_at);
