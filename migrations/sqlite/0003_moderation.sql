-- Notifications, reports and moderation. SQLite dialect; migrations/postgres
-- holds the twin.

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    actor_id    TEXT REFERENCES users (id),
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    review_id   TEXT,
    preview     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

CREATE TABLE notification_mutes (
    user_id TEXT NOT NULL REFERENCES users (id),
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE reports (
    id          TEXT PRIMARY KEY NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('user', 'review', 'comment', 'product', 'message')),
    target_id   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'illegal', 'false_information', 'other')),
    detail      TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dismissed', 'actioned')),
    resolution  TEXT,
    resolved_by TEXT REFERENCES users (id),
    resolved_at INTEGER,
    created_at  INTEGER NOT NULL
);
-- One open report per reporter per target.
CREATE UNIQUE INDEX reports_one_open ON reports (reporter_id, target_type, target_id) WHERE state = 'open';
CREATE INDEX reports_queue ON reports (state, target_type, target_id, created_at);
CREATE INDEX reports_by_day ON reports (created_at);

ALTER TABLE products ADD COLUMN hidden_at INTEGER;
