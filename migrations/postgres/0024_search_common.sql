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
-- engine-specific below
-- The planner judges `LIKE '%…%'` on `initials` by matching the pattern
-- against the column's histogram. At the default 100 entries a run of
-- 초성 held by 0.7% of the reviews (ㅈㅂㄱㄴ, 6,812 of 1M) is usually in none
-- of them, so it was estimated at 102 rows, read through the GIN index and
-- sorted whole (20 ms warm, 480 cold) where a walk of the newest finds a
-- page in 3. At 1,000 entries it is estimated at 5,733 and walked; a rare
-- run still goes through the index. Not `norm`: its values are long, and
-- matching each pattern against 1,000 of them cost every statement's
-- planning 0.6 ms (BENCHMARKS.md, issue 19, seventh round).
ALTER TABLE search_docs ALTER COLUMN initials SET STATISTICS 1000;
