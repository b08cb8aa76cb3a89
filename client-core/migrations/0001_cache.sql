-- The local database of one signed-in account: the confirmed server state
-- (entities), where sync stands (cursors, windows) and the outbox of
-- pending mutations.

-- Session: tokens and the signed-in member, as key/value rows.
CREATE TABLE session (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Confirmed server state: the latest version of each entity the client has
-- seen. `seq` orders versions from different buckets and windows; `parent`,
-- `owner` and `sort` are lifted from `data` for the local queries (a
-- comment's review, a review's author, creation time).
CREATE TABLE entities (
    kind   TEXT NOT NULL,
    id     TEXT NOT NULL,
    data   TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    parent TEXT,
    owner  TEXT,
    sort   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX entities_parent ON entities (kind, parent, sort);
CREATE INDEX entities_owner ON entities (kind, owner, sort);
CREATE INDEX entities_sort ON entities (kind, sort);

-- Buckets the client follows, with the cursor of the last change applied.
CREATE TABLE buckets (
    bucket    TEXT PRIMARY KEY NOT NULL,
    cursor    INTEGER NOT NULL DEFAULT 0,
    more      INTEGER NOT NULL DEFAULT 1,
    opened_at INTEGER NOT NULL
);

-- Feed windows: the first page of a tab as the server last sent it.
CREATE TABLE windows (
    tab        TEXT PRIMARY KEY NOT NULL,
    size       INTEGER NOT NULL,
    cursor     INTEGER NOT NULL DEFAULT 0,
    ids        TEXT NOT NULL DEFAULT '[]',
    fetched_at INTEGER
);

-- The outbox: mutations in the order the user made them. State: queued,
-- sending, applied (confirmed; removed once a pull has brought its effect)
-- or failed (rejected by the server; kept until the user retries or
-- discards it).
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    args            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error_code      TEXT,
    error_message   TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
