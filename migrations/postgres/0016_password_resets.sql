-- Password reset codes sent by email: one live code per member (asking
-- again replaces it), kept as a keyed hash, single-use, valid 30 minutes;
-- five wrong tries burn it. PostgreSQL dialect; migrations/sqlite holds the twin.

CREATE TABLE password_resets (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0
);
