-- Texts to members (SMS/LMS through Naver Cloud SENS): a member's mobile
-- number and whether (since when) they agreed to receive messages; each
-- send an admin made, and every recipient's result. PostgreSQL dialect;
-- migrations/sqlite holds the twin.

ALTER TABLE users ADD COLUMN phone TEXT;
-- When the member agreed to marketing texts; NULL: they did not.
ALTER TABLE users ADD COLUMN sms_consent_at BIGINT;

CREATE TABLE text_sends (
    id          TEXT PRIMARY KEY NOT NULL,
    admin_id    TEXT NOT NULL REFERENCES users (id),
    -- 'marketing' (to members who agreed) or 'service' (about their orders).
    purpose     TEXT NOT NULL CHECK (purpose IN ('marketing', 'service')),
    -- 'sms' (90 bytes or fewer) or 'lms'.
    kind        TEXT NOT NULL CHECK (kind IN ('sms', 'lms')),
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    audience    TEXT NOT NULL,
    recipients  BIGINT NOT NULL,
    cost_krw    BIGINT NOT NULL,
    -- 'queued', 'sending', 'done' (every recipient has a result).
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX text_sends_created ON text_sends (created_at, id);

CREATE TABLE text_recipients (
    send_id    TEXT NOT NULL REFERENCES text_sends (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    phone      TEXT NOT NULL,
    -- 'pending', 'sent' (accepted by the provider), 'failed'.
    status     TEXT NOT NULL,
    request_id TEXT,
    error      TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (send_id, user_id)
);
CREATE INDEX text_recipients_status ON text_recipients (send_id, status);
