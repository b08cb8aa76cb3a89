-- Media: content-addressed files (id = SHA-256 of the bytes), who uploaded
-- them, what refers to them, and resumable upload sessions whose chunks wait
-- in the media store under staging/. PostgreSQL dialect; migrations/sqlite holds the twin.

CREATE TABLE media (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'video')),
    content_type  TEXT NOT NULL,
    bytes         BIGINT NOT NULL,
    width         BIGINT,
    height        BIGINT,
    blurhash      TEXT,
    has_thumbnail BIGINT NOT NULL DEFAULT 0,
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);

-- Everyone who uploaded the same bytes may use the file in their content.
CREATE TABLE media_owners (
    media_id   TEXT NOT NULL REFERENCES media (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (media_id, user_id)
);

-- What refers to a file (ref_type review, product or avatar); a file that
-- something visible refers to is public.
CREATE TABLE media_refs (
    media_id TEXT NOT NULL REFERENCES media (id),
    ref_type TEXT NOT NULL,
    ref_id   TEXT NOT NULL,
    PRIMARY KEY (ref_type, ref_id, media_id)
);
CREATE INDEX media_refs_media ON media_refs (media_id);

CREATE TABLE uploads (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('photo', 'video')),
    received   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX uploads_user_sha ON uploads (user_id, sha256);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE upload_parts (
    upload_id    TEXT NOT NULL REFERENCES uploads (id),
    start_offset BIGINT NOT NULL,
    len          BIGINT NOT NULL,
    object_key   TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
