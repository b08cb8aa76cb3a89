-- Search, fourth step: short words common in a kind. A word of one or two
-- characters is read through `search_short` while it is rare in a kind;
-- once so many of the kind's newest documents hold it that a page fills
-- from the newest few, the server records the pair here, stops adding its
-- rows (and deletes those it added), and a search reads the kind's rows
-- newest first for it (issue 19, BENCHMARKS.md, seventh round: most of
-- the short words' rows were of a few common words, and most of what
-- writing a document cost after its trigrams). A pair never leaves: a
-- word common once is read newest first from then on, so no document
-- written in between goes missing from its reads.
CREATE TABLE search_common (
    kind TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (kind, word)
);
-- No query reads the documents by author (a suspended member's are left
-- out through `users`); the index only cost every write an insert.
DROP INDEX IF EXISTS search_docs_author;
