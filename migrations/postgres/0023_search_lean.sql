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
    doc  BIGINT NOT NULL,
    PRIMARY KEY (kind, word, doc)
);
DROP INDEX search_docs_keys;
-- `initials` of the title only (moa-hangul `forms`): the first field, or
-- when it is empty the first 40 characters of the second.
UPDATE search_docs SET initials = CASE
    WHEN strpos(initials, chr(31) || chr(31)) = 0 THEN initials
    WHEN strpos(initials, chr(31) || chr(31)) > 1
        THEN substr(initials, 1, strpos(initials, chr(31) || chr(31)) - 1)
    ELSE substr(substr(initials, 3), 1,
        least(40, strpos(substr(initials, 3) || chr(31) || chr(31), chr(31) || chr(31)) - 1))
END;
