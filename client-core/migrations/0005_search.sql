-- Search over the cache, the same forms the server indexes (moa-hangul):
-- one row per cached review, place, product and profile, written in the
-- transaction that stores the entity and gone with it. The counts are
-- copied from the entity (they are what the hit row shows).
CREATE TABLE search_docs (
    doc        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    extra      TEXT NOT NULL,
    photo_id   TEXT,
    norm       TEXT NOT NULL,
    keys       TEXT NOT NULL,
    initials   TEXT NOT NULL,
    likes      INTEGER NOT NULL,
    comments   INTEGER NOT NULL,
    reviews    INTEGER NOT NULL,
    followers  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, ref_id)
);
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

-- What the member searched for, newest first (kept to the last 20).
CREATE TABLE recent_searches (
    text TEXT PRIMARY KEY,
    at   INTEGER NOT NULL
);
