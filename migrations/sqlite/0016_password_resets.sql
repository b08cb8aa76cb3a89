-- Password reset codes sent by email: one live code per member (asking
-- again replaces it), kept as a keyed hash, single-use, valid 30 minutes;
-- five wrong tries burn it. SQLite dialect; migrations/postgres holds the twin.

CREATE TABLE password_resets (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);
