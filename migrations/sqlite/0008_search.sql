-- Search: one row per searchable thing (review, place, product, person;
-- campaigns and requests as they arrive), written in the same transaction
-- as the thing itself, under the three forms moa-hangul makes of its text:
-- `norm` (normalised), `keys` (keystroke jamo) and `initials` (초성).
-- Hidden and deleted things have no row.
CREATE TABLE search_docs (
    doc        INTEGER PRIMARY KEY AUTOINCREMENT,
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
    created_at INTEGER NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_kind ON search_docs (kind, doc);
CREATE INDEX search_docs_author ON search_docs (author_id);
-- The few members search leaves out (suspended, deleted): its check reads
-- this small index instead of every member.
CREATE INDEX users_restricted ON users (id)
    WHERE suspended_until IS NOT NULL OR deleted_at IS NOT NULL;

-- engine-specific below
-- SQLite: an FTS5 trigram index over the forms (it serves LIKE '%…%'),
-- reading its text from search_docs and kept in step by triggers.
CREATE VIRTUAL TABLE search_fts USING fts5(
    kind, keys, initials,
    content = 'search_docs', content_rowid = 'doc',
    tokenize = 'trigram', detail = 'none'
);
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, kind, keys, initials)
    VALUES (new.doc, new.kind, new.keys, new.initials);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind, keys, initials)
    VALUES ('delete', old.doc, old.kind, old.keys, old.initials);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE OF kind, keys, initials ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind, keys, initials)
    VALUES ('delete', old.doc, old.kind, old.keys, old.initials);
    INSERT INTO search_fts (rowid, kind, keys, initials)
    VALUES (new.doc, new.kind, new.keys, new.initials);
END;
