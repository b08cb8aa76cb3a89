-- Phone verification by a texted code: one live code per member, for the
-- number it was sent to, kept as a keyed hash, valid 3 minutes, five wrong
-- tries burn it. A member's number counts as verified from
-- users.phone_verified_at until they change it. SQLite dialect;
-- migrations/postgres holds the twin.

ALTER TABLE users ADD COLUMN phone_verified_at INTEGER;

CREATE TABLE phone_verifications (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    phone      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
);
