-- Search over the cache, second step (as the server's migration 9): the
-- vocabulary, and the text itself indexed.
-- `search_words` holds every word indexed (moa-hangul's `words`: folded,
-- split at white space) with its keys; a typo is looked for among these
-- words first, and the documents are read through the words it meets, so a
-- query that matches nothing costs no scan. Words are only added.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY,
    keys TEXT NOT NULL
);

-- The FTS5 table gains `norm`. Three syllables in a row are far
-- rarer than three keys (about one syllable), so a query of three
-- syllables or more is read through them.
DROP TRIGGER search_docs_insert;
DROP TRIGGER search_docs_delete;
DROP TRIGGER search_docs_update;
DROP TABLE search_fts;
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
-- The kind's first three letters: one trigram to match it by.
ALTER TABLE search_docs ADD COLUMN kind3 TEXT
    GENERATED ALWAYS AS (substr(kind, 1, 3)) VIRTUAL;
CREATE VIRTUAL TABLE search_fts USING fts5(
    kind3, norm, keys, initials,
    content = 'search_docs', content_rowid = 'doc',
    tokenize = 'trigram', detail = 'none'
);
INSERT INTO search_fts (search_fts) VALUES ('rebuild');
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, kind3, norm, keys, initials)
    VALUES (new.doc, new.kind3, new.norm, new.keys, new.initials);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind3, norm, keys, initials)
    VALUES ('delete', old.doc, old.kind3, old.norm, old.keys, old.initials);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE OF kind, norm, keys, initials ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind3, norm, keys, initials)
    VALUES ('delete', old.doc, old.kind3, old.norm, old.keys, old.initials);
    INSERT INTO search_fts (rowid, kind3, norm, keys, initials)
    VALUES (new.doc, new.kind3, new.norm, new.keys, new.initials);
END;
-- The vocabulary's keys, trigram-indexed for the typo patterns.
CREATE VIRTUAL TABLE search_words_fts USING fts5(
    keys, content = 'search_words', content_rowid = 'rowid',
    tokenize = 'trigram', detail = 'none'
);
CREATE TRIGGER search_words_insert AFTER INSERT ON search_words BEGIN
    INSERT INTO search_words_fts (rowid, keys) VALUES (new.rowid, new.keys);
END;
CREATE TRIGGER search_words_delete AFTER DELETE ON search_words BEGIN
    INSERT INTO search_words_fts (search_words_fts, rowid, keys)
    VALUES ('delete', old.rowid, old.keys);
END;
