-- Drafts: text the server refused (an edit that lost a conflict), kept
-- until the user reapplies or dismisses it.

CREATE TABLE drafts (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
