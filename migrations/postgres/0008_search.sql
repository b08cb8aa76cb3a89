-- Search: one row per searchable thing (review, place, product, person;
-- campaigns and requests as they arrive), written in the same transaction
-- as the thing itself, under the three forms moa-hangul makes of its text:
-- `norm` (normalised), `keys` (keystroke jamo) and `initials` (초성).
-- Hidden and deleted things have no row.
CREATE TABLE search_docs (
    doc        BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    author_id  TEXT,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    extra      TEXT NOT NULL,
    photo_id   TEXT,
    norm       TEXT NOT NULL,
    keys       TEXT NOT NULL,
    initials   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_kind ON search_docs (kind, doc);
CREATE INDEX search_docs_author ON search_docs (author_id);
-- The few members search leaves out (suspended, deleted): its check reads
-- this small index instead of every member.
CREATE INDEX users_restricted ON users (id)
    WHERE suspended_until IS NOT NULL OR deleted_at IS NOT NULL;

-- engine-specific below
-- PostgreSQL: pg_trgm GIN indexes over the forms (they serve LIKE '%…%').
-- pg_trgm takes its trigrams from letters and digits as the database's
-- LC_CTYPE classifies them: under the C locale Hangul is not a letter and
-- search still answers, by scanning; create the database with a UTF-8
-- locale (C.UTF-8, ko_KR.UTF-8) for indexed search (see README).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX search_docs_keys ON search_docs USING gin (keys gin_trgm_ops);
CREATE INDEX search_docs_initials ON search_docs USING gin (initials gin_trgm_ops);
