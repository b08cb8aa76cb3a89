-- Push notifications: the phones of each member (a platform and its push
-- token, unique: a token moves to whoever registered it last; removed on
-- sign-out of the session that registered it and when the provider says
-- the token is dead), the realtime sockets open now on any node (a push
-- goes only to a member with none; a node refreshes its rows every 30 s,
-- so a dead node's rows age out), and whether chat pushes show the
-- message. PostgreSQL dialect; migrations/sqlite holds the twin.

CREATE TABLE devices (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    platform   TEXT NOT NULL CHECK (platform IN ('android', 'ios')),
    token      TEXT NOT NULL UNIQUE,
    session_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_session ON devices (session_id);

CREATE TABLE live_sockets (
    id      TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX live_sockets_user ON live_sockets (user_id, seen_at);

ALTER TABLE users ADD COLUMN chat_push_previews BIGINT NOT NULL DEFAULT 1;
