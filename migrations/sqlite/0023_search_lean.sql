-- Search, third step: the documents' index without `keys`, and 초성 over
-- the title only (BENCHMARKS.md, issue 19, sixth round). `keys` was most
-- of a document's index entries and of the cost of writing one; the runs
-- it drove (one or two syllables, a half-typed syllable after them) are
-- read through the vocabulary's words now, and a word of one or two
-- characters through `search_short`: (kind, word, doc) for every such
-- word a document holds, added as it is indexed (rows of words a document
-- no longer holds may stay; they only add candidates, each checked).
-- The vocabulary now keeps one-character words too: it is emptied here
-- and refilled from the documents at the next start, with `search_short`.
DELETE FROM search_words;

-- engine-specific below
CREATE TABLE search_short (
    kind TEXT NOT NULL,
    word TEXT NOT NULL,
    doc  INTEGER NOT NULL,
    PRIMARY KEY (kind, word, doc)
) WITHOUT ROWID;
DROP TRIGGER search_docs_insert;
DROP TRIGGER search_docs_delete;
DROP TRIGGER search_docs_update;
DROP TABLE search_fts;
-- `initials` of the title only (moa-hangul `forms`): the first field, or
-- when it is empty the first 40 characters of the second.
UPDATE search_docs SET initials = CASE
    WHEN instr(initials, char(31, 31)) = 0 THEN initials
    WHEN instr(initials, char(31, 31)) > 1
        THEN substr(initials, 1, instr(initials, char(31, 31)) - 1)
    ELSE substr(substr(initials, 3), 1,
        min(40, instr(substr(initials, 3) || char(31, 31), char(31, 31)) - 1))
END;
CREATE VIRTUAL TABLE search_fts USING fts5(
    kind3, norm, initials,
    content = 'search_docs', content_rowid = 'doc',
    tokenize = 'trigram', detail = 'none'
);
INSERT INTO search_fts (search_fts) VALUES ('rebuild');
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, kind3, norm, initials)
    VALUES (new.doc, new.kind3, new.norm, new.initials);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind3, norm, initials)
    VALUES ('delete', old.doc, old.kind3, old.norm, old.initials);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE OF kind, norm, initials ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, kind3, norm, initials)
    VALUES ('delete', old.doc, old.kind3, old.norm, old.initials);
    INSERT INTO search_fts (rowid, kind3, norm, initials)
    VALUES (new.doc, new.kind3, new.norm, new.initials);
END;
