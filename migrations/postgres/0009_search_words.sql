-- Search, second step: the vocabulary, and the text itself indexed.
-- `search_words` holds every word indexed (moa-hangul's `words`: folded,
-- split at white space) with its keys; a typo is looked for among these
-- words first, and the documents are read through the words it meets, so a
-- query that matches nothing costs no scan. Words are only added.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY,
    keys TEXT NOT NULL
);

-- engine-specific below
-- PostgreSQL: search_docs split by kind (LIST partitions), so each kind has
-- its own statistics. With one table the planner judged how common a
-- pattern is over all kinds: a place search for a word common in reviews
-- walked the whole table backwards expecting a match at every few rows
-- and found none (3.6 s a query over 1.3M rows; BENCHMARKS.md, issue 19).
-- Per kind it sees the pattern is rare there and reads the GIN index.
ALTER SEQUENCE search_docs_doc_seq OWNED BY NONE;
ALTER TABLE search_docs RENAME TO search_docs_unsplit;
CREATE TABLE search_docs (
    doc        BIGINT NOT NULL DEFAULT nextval('search_docs_doc_seq'),
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
    CONSTRAINT search_docs_kind_doc PRIMARY KEY (kind, doc),
    CONSTRAINT search_docs_kind_ref UNIQUE (kind, ref_id)
) PARTITION BY LIST (kind);
CREATE TABLE search_docs_review PARTITION OF search_docs FOR VALUES IN ('review');
CREATE TABLE search_docs_place PARTITION OF search_docs FOR VALUES IN ('place');
CREATE TABLE search_docs_product PARTITION OF search_docs FOR VALUES IN ('product');
CREATE TABLE search_docs_person PARTITION OF search_docs FOR VALUES IN ('person');
CREATE TABLE search_docs_campaign PARTITION OF search_docs FOR VALUES IN ('campaign');
CREATE TABLE search_docs_request PARTITION OF search_docs FOR VALUES IN ('request');
CREATE TABLE search_docs_other PARTITION OF search_docs DEFAULT;
INSERT INTO search_docs (doc, kind, ref_id, author_id, title, body, extra, photo_id,
    norm, keys, initials, created_at)
SELECT doc, kind, ref_id, author_id, title, body, extra, photo_id,
    norm, keys, initials, created_at FROM search_docs_unsplit;
DROP TABLE search_docs_unsplit;
-- The initials form is now written in conjoining jamo (U+1100), apart from
-- the compatibility jamo `norm` and `keys` hold (moa-hangul `initials_form`).
UPDATE search_docs SET initials =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(initials,
        'ㄱ', 'ᄀ'),
        'ㄲ', 'ᄁ'),
        'ㄴ', 'ᄂ'),
        'ㄷ', 'ᄃ'),
        'ㄸ', 'ᄄ'),
        'ㄹ', 'ᄅ'),
        'ㅁ', 'ᄆ'),
        'ㅂ', 'ᄇ'),
        'ㅃ', 'ᄈ'),
        'ㅅ', 'ᄉ'),
        'ㅆ', 'ᄊ'),
        'ㅇ', 'ᄋ'),
        'ㅈ', 'ᄌ'),
        'ㅉ', 'ᄍ'),
        'ㅊ', 'ᄎ'),
        'ㅋ', 'ᄏ'),
        'ㅌ', 'ᄐ'),
        'ㅍ', 'ᄑ'),
        'ㅎ', 'ᄒ');
ALTER SEQUENCE search_docs_doc_seq OWNED BY search_docs.doc;
CREATE INDEX search_docs_author ON search_docs (author_id);
-- Three syllables in a row are far rarer than three keys (about one
-- syllable): a query of three syllables or more is read through `norm`.
CREATE INDEX search_docs_norm ON search_docs USING gin (norm gin_trgm_ops);
CREATE INDEX search_docs_keys ON search_docs USING gin (keys gin_trgm_ops);
CREATE INDEX search_docs_initials ON search_docs USING gin (initials gin_trgm_ops);
-- (The default statistics, 100 sampled texts: the planner reads LIKE
-- against each when it plans; with 1,000 it spent 1 ms planning a query
-- that ran in 1.2.)
CREATE INDEX search_words_keys ON search_words USING gin (keys gin_trgm_ops);
