-- Chat: the rooms the member is in, their messages and the members' read
-- markers, as the server last sent them (pending sends, edits and reads are
-- outbox rows laid on top when read). Each room is a bucket `room:<id>`
-- followed through the `buckets` table.

-- A room (`data` = the wire `Room`). `seq` orders versions like
-- `entities.seq` (0: from a push answer or a REST call); `last_seq` is the
-- newest message seq known (the room's or a cached message's); `activity`
-- sorts the room list (the newest message's time, else the room's). Mutes
-- are the member's own entities (`mute`, by room id) in `entities`.
CREATE TABLE rooms (
    id       TEXT PRIMARY KEY NOT NULL,
    data     TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    activity INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rooms_activity ON rooms (activity);

-- Messages by room and per-room seq (`data` = the wire `Message`; a deleted
-- one stays as a tombstone). `change_seq` is the change-log seq it came with
-- (0: live from the socket or a push answer).
CREATE TABLE messages (
    room_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    id         TEXT NOT NULL UNIQUE,
    data       TEXT NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;

-- How far each member has read.
CREATE TABLE read_markers (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

-- A direct room created on this device under an id of its own, which the
-- server answered with the pair's existing room.
CREATE TABLE room_aliases (
    local_id TEXT PRIMARY KEY NOT NULL,
    room_id  TEXT NOT NULL
);
