-- Community content: places, products, reviews, comments, likes, scraps,
-- follows, views; the change log every write appends to; applied mutations
-- (idempotency). SQLite dialect; migrations/postgres holds the twin.

-- Every write records what it changed, in order. `seq` is global and only
-- grows; writers are serialised (SQLite's one writer, a transaction-level
-- advisory lock on PostgreSQL), so seq order is commit order and a reader
-- that saw seq N has seen everything before it.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    data       TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX changes_bucket_seq ON changes (bucket, seq);

-- Mutations by their client-generated id: applying one twice answers the
-- first outcome and changes nothing.
CREATE TABLE mutations (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

ALTER TABLE users ADD COLUMN follower_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN following_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN review_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE places (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    address      TEXT NOT NULL,
    latitude     REAL,
    longitude    REAL,
    category     TEXT NOT NULL,
    dedup_key    TEXT NOT NULL UNIQUE,
    review_count INTEGER NOT NULL DEFAULT 0,
    rating_sum   INTEGER NOT NULL DEFAULT 0,
    rating_count INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL
);

CREATE TABLE products (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    price_krw    INTEGER NOT NULL,
    options      TEXT NOT NULL DEFAULT '[]',
    photos       TEXT NOT NULL DEFAULT '[]',
    shop_url     TEXT NOT NULL DEFAULT '',
    dedup_key    TEXT NOT NULL UNIQUE,
    review_count INTEGER NOT NULL DEFAULT 0,
    rating_sum   INTEGER NOT NULL DEFAULT 0,
    rating_count INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL
);

CREATE TABLE reviews (
    id            TEXT PRIMARY KEY NOT NULL,
    author_id     TEXT NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('story', 'snap')),
    title         TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    photos        TEXT NOT NULL DEFAULT '[]',
    subject_type  TEXT CHECK (subject_type IN ('place', 'product')),
    subject_id    TEXT,
    rating        INTEGER CHECK (rating BETWEEN 1 AND 5),
    tags          TEXT NOT NULL DEFAULT '[]',
    official      INTEGER NOT NULL DEFAULT 0,
    like_count    INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0,
    scrap_count   INTEGER NOT NULL DEFAULT 0,
    view_count    INTEGER NOT NULL DEFAULT 0,
    hot_rank      REAL NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    -- The version at which each editable field last changed: an edit based on
    -- version v conflicts only if a field it sets changed after v.
    field_versions TEXT NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    deleted_at    INTEGER,
    hidden_at     INTEGER
);
-- Feed indexes: the sort key first, then the columns the visibility rule
-- reads, so that choosing a page is an index-only scan.
CREATE INDEX reviews_latest ON reviews (created_at, id, deleted_at, hidden_at, author_id);
CREATE INDEX reviews_author ON reviews (author_id, created_at, id, deleted_at, hidden_at);
CREATE INDEX reviews_subject ON reviews (subject_id, created_at, id, deleted_at, hidden_at, author_id);
CREATE INDEX reviews_hot ON reviews (hot_rank, id, deleted_at, hidden_at, author_id);

CREATE TABLE review_tags (
    tag        TEXT NOT NULL,
    review_id  TEXT NOT NULL REFERENCES reviews (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tag, review_id)
);
CREATE INDEX review_tags_feed ON review_tags (tag, created_at, review_id);

CREATE TABLE comments (
    id          TEXT PRIMARY KEY NOT NULL,
    review_id   TEXT NOT NULL REFERENCES reviews (id),
    parent_id   TEXT REFERENCES comments (id),
    author_id   TEXT NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    like_count  INTEGER NOT NULL DEFAULT 0,
    reply_count INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    edited_at   INTEGER,
    deleted_at  INTEGER,
    hidden_at   INTEGER
);
CREATE INDEX comments_review ON comments (review_id, created_at, id);

CREATE TABLE likes (
    user_id     TEXT NOT NULL REFERENCES users (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('review', 'comment')),
    target_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, target_type, target_id)
);
CREATE INDEX likes_target ON likes (target_type, target_id, created_at, user_id);
CREATE INDEX likes_user ON likes (user_id, target_type, created_at, target_id);

CREATE TABLE scraps (
    user_id    TEXT NOT NULL REFERENCES users (id),
    review_id  TEXT NOT NULL REFERENCES reviews (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, review_id)
);
CREATE INDEX scraps_user ON scraps (user_id, created_at, review_id);

CREATE TABLE follows (
    follower_id TEXT NOT NULL REFERENCES users (id),
    followee_id TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, created_at, follower_id);
CREATE INDEX follows_follower ON follows (follower_id, created_at, followee_id);

-- One view per member per review per (UTC) day.
CREATE TABLE review_views (
    review_id TEXT NOT NULL REFERENCES reviews (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    day       INTEGER NOT NULL,
    PRIMARY KEY (review_id, user_id, day)
);
