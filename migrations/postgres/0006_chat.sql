-- Chat: rooms (direct or group), their members with read markers and mute,
-- and messages with a per-room sequence. Each room is a sync bucket
-- (room:<id>). PostgreSQL dialect; migrations/sqlite holds the twin.

CREATE TABLE rooms (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    name            TEXT,
    photo_media_id  TEXT,
    owner_id        TEXT REFERENCES users (id),
    -- "<smaller id>:<larger id>" for a direct room: one room per pair.
    direct_key      TEXT UNIQUE,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    last_message_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE room_members (
    room_id       TEXT NOT NULL REFERENCES rooms (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    joined_at     BIGINT NOT NULL,
    last_read_seq BIGINT NOT NULL DEFAULT 0,
    muted         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members (user_id);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY NOT NULL,
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    seq        BIGINT NOT NULL,
    sender_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    -- JSON array of media ids.
    media      TEXT NOT NULL DEFAULT '[]',
    reply_to   TEXT,
    created_at BIGINT NOT NULL,
    edited_at  BIGINT,
    deleted_at BIGINT,
    UNIQUE (room_id, seq)
);
