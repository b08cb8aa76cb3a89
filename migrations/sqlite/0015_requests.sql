-- Requests (부탁) with quotes, helper reviews, and the points wallet: an
-- append-only ledger per member with the balance cached beside it.
-- SQLite dialect; migrations/postgres holds the twin.

ALTER TABLE users ADD COLUMN helper_review_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN helper_rating_sum INTEGER NOT NULL DEFAULT 0;

CREATE TABLE requests (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id),
    title             TEXT NOT NULL,
    category          TEXT NOT NULL,
    region            TEXT NOT NULL,
    place_id          TEXT,
    -- Korean dates, YYYY-MM-DD.
    starts_on         TEXT NOT NULL,
    ends_on           TEXT NOT NULL,
    budget_min_krw    INTEGER NOT NULL,
    budget_max_krw    INTEGER NOT NULL,
    details           TEXT NOT NULL,
    photos            TEXT NOT NULL,
    -- Offered to this community only; NULL: everyone.
    community_id      TEXT,
    -- 'open', 'matched', 'completed', 'cancelled', 'expired'.
    status            TEXT NOT NULL,
    quote_count       INTEGER NOT NULL DEFAULT 0,
    accepted_quote_id TEXT,
    helper_id         TEXT REFERENCES users (id),
    price_krw         INTEGER,
    room_id           TEXT,
    closing_note      TEXT,
    -- Hidden by a moderator.
    hidden_at         INTEGER,
    -- The end of ends_on in Korean time (UTC ms): an open request expires then.
    expires_at        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX requests_open ON requests (status, created_at, id);
CREATE INDEX requests_user ON requests (user_id, created_at, id);
CREATE INDEX requests_helper ON requests (helper_id, created_at, id);

CREATE TABLE quotes (
    id         TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES requests (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    price_krw  INTEGER NOT NULL,
    message    TEXT NOT NULL,
    -- 'active', 'withdrawn', 'accepted', 'declined'.
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- One quote per member per request (withdrawn and made again: the same row).
    UNIQUE (request_id, user_id)
);
CREATE INDEX quotes_user ON quotes (user_id, updated_at, id);

CREATE TABLE helper_reviews (
    id          TEXT PRIMARY KEY NOT NULL,
    request_id  TEXT NOT NULL UNIQUE REFERENCES requests (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    helper_id   TEXT NOT NULL REFERENCES users (id),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text        TEXT NOT NULL,
    photos      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX helper_reviews_helper ON helper_reviews (helper_id, created_at, id);

CREATE TABLE wallets (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    -- The sum of the member's ledger: what can be spent.
    balance    INTEGER NOT NULL CHECK (balance >= 0),
    -- Set aside for matched requests (already out of balance).
    held       INTEGER NOT NULL CHECK (held >= 0),
    updated_at INTEGER NOT NULL
);

CREATE TABLE point_entries (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    -- 'charge', 'hold', 'release', 'pay', 'refund', 'bonus'.
    kind          TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    -- 'charge', 'request' or 'grant', and its id.
    cause_type    TEXT NOT NULL,
    cause_id      TEXT NOT NULL,
    note          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    -- Each cause moves a member's points once per kind.
    UNIQUE (user_id, kind, cause_type, cause_id)
);
CREATE INDEX point_entries_user ON point_entries (user_id, created_at, id);

CREATE TABLE point_charges (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    amount_krw INTEGER NOT NULL,
    -- 'pending', 'paid', 'refunded'.
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX point_charges_user ON point_charges (user_id, created_at, id);

-- engine-specific below
-- Requests can be reported: the reports table is rebuilt with the wider
-- CHECK (SQLite cannot alter a constraint); nothing references it.
CREATE TABLE reports_new (
    id          TEXT PRIMARY KEY NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('user', 'review', 'comment', 'product', 'message', 'request')),
    target_id   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'illegal', 'false_information', 'other')),
    detail      TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dismissed', 'actioned')),
    resolution  TEXT,
    resolved_by TEXT REFERENCES users (id),
    resolved_at INTEGER,
    created_at  INTEGER NOT NULL
);
INSERT INTO reports_new (id, reporter_id, target_type, target_id, reason, detail, state,
    resolution, resolved_by, resolved_at, created_at)
SELECT id, reporter_id, target_type, target_id, reason, detail, state, resolution,
    resolved_by, resolved_at, created_at FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE UNIQUE INDEX reports_one_open ON reports (reporter_id, target_type, target_id) WHERE state = 'open';
CREATE INDEX reports_queue ON reports (state, target_type, target_id, created_at);
CREATE INDEX reports_by_day ON reports (created_at);
