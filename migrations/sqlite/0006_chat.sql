-- Chat: rooms (direct or group), their members with read markers and mute,
-- and messages with a per-room sequence. Each room is a sync bucket
-- (room:<id>). SQLite dialect; migrations/postgres holds the twin.

CREATE TABLE rooms (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    name            TEXT,
    photo_media_id  TEXT,
    owner_id        TEXT REFERENCES users (id),
    -- "<smaller id>:<larger id>" for a direct room: one room per pair.
    direct_key      TEXT UNIQUE,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE room_members (
    room_id       TEXT NOT NULL REFERENCES rooms (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    joined_at     INTEGER NOT NULL,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    muted         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY NOT NULL,
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    seq        INTEGER NOT NULL,
    sender_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    -- JSON array of media ids.
    media      TEXT NOT NULL DEFAULT '[]',
    reply_to   TEXT,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted_at INTEGER,
    UNIQUE (room_id, seq)
);
