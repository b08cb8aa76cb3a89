-- Requests (부탁) with quotes, helper reviews, and the points wallet: an
-- append-only ledger per member with the balance cached beside it.
-- PostgreSQL dialect; migrations/sqlite holds the twin.

ALTER TABLE users ADD COLUMN helper_review_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN helper_rating_sum BIGINT NOT NULL DEFAULT 0;

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
    budget_min_krw    BIGINT NOT NULL,
    budget_max_krw    BIGINT NOT NULL,
    details           TEXT NOT NULL,
    photos            TEXT NOT NULL,
    -- Offered to this community only; NULL: everyone.
    community_id      TEXT,
    -- 'open', 'matched', 'completed', 'cancelled', 'expired'.
    status            TEXT NOT NULL,
    quote_count       BIGINT NOT NULL DEFAULT 0,
    accepted_quote_id TEXT,
    helper_id         TEXT REFERENCES users (id),
    price_krw         BIGINT,
    room_id           TEXT,
    closing_note      TEXT,
    -- Hidden by a moderator.
    hidden_at         BIGINT,
    -- The end of ends_on in Korean time (UTC ms): an open request expires then.
    expires_at        BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX requests_open ON requests (status, created_at, id);
CREATE INDEX requests_user ON requests (user_id, created_at, id);
CREATE INDEX requests_helper ON requests (helper_id, created_at, id);

CREATE TABLE quotes (
    id         TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES requests (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    price_krw  BIGINT NOT NULL,
    message    TEXT NOT NULL,
    -- 'active', 'withdrawn', 'accepted', 'declined'.
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- One quote per member per request (withdrawn and made again: the same row).
    UNIQUE (request_id, user_id)
);
CREATE INDEX quotes_user ON quotes (user_id, updated_at, id);

CREATE TABLE helper_reviews (
    id          TEXT PRIMARY KEY NOT NULL,
    request_id  TEXT NOT NULL UNIQUE REFERENCES requests (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    helper_id   TEXT NOT NULL REFERENCES users (id),
    rating      BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text        TEXT NOT NULL,
    photos      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX helper_reviews_helper ON helper_reviews (helper_id, created_at, id);

CREATE TABLE wallets (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    -- The sum of the member's ledger: what can be spent.
    balance    BIGINT NOT NULL CHECK (balance >= 0),
    -- Set aside for matched requests (already out of balance).
    held       BIGINT NOT NULL CHECK (held >= 0),
    updated_at BIGINT NOT NULL
);

CREATE TABLE point_entries (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    -- 'charge', 'hold', 'release', 'pay', 'refund', 'bonus'.
    kind          TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    -- 'charge', 'request' or 'grant', and its id.
    cause_type    TEXT NOT NULL,
    cause_id      TEXT NOT NULL,
    note          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    -- Each cause moves a member's points once per kind.
    UNIQUE (user_id, kind, cause_type, cause_id)
);
CREATE INDEX point_entries_user ON point_entries (user_id, created_at, id);

CREATE TABLE point_charges (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    amount_krw BIGINT NOT NULL,
    -- 'pending', 'paid', 'refunded'.
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX point_charges_user ON point_charges (user_id, created_at, id);

-- engine-specific below
-- Requests can be reported.
ALTER TABLE reports DROP CONSTRAINT IF EXISTS reports_target_type_check;
ALTER TABLE reports ADD CONSTRAINT reports_target_type_check
    CHECK (target_type IN ('user', 'review', 'comment', 'product', 'message', 'request'));
