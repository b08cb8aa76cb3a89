-- Discovery, second step: views counted in batches, and the neighbours of
-- each item for "for you" and "similar". SQLite dialect; migrations/postgres holds the twin.

-- Views recorded since the last fold, per review (discovery::views).
CREATE TABLE review_view_tally (
    review_id TEXT PRIMARY KEY NOT NULL,
    n         INTEGER NOT NULL
);

-- A member's views, for "for you" (history, and what they have read).
CREATE INDEX review_views_user ON review_views (user_id, day, review_id);
-- A member's comments, for the same history.
CREATE INDEX comments_author ON comments (author_id, created_at);

-- For each item (r:review, s:place or product), its neighbours as a JSON
-- list of [item, similarity], best first (discovery::neighbours).
CREATE TABLE item_neighbours (
    item_id    TEXT PRIMARY KEY NOT NULL,
    neighbours TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
