-- "Similar" rows as last fetched (key `review:<id>` or `product:<id>`, the
-- ids best first), shown offline.
CREATE TABLE similar (
    key        TEXT PRIMARY KEY NOT NULL,
    ids        TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);
