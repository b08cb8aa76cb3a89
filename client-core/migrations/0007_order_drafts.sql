-- Group-buys: an order the member chose while offline (orders need the
-- server for their payment), kept per campaign until placed or discarded.
-- Campaigns and orders themselves are entities (kinds `campaign`, `order`).
CREATE TABLE order_drafts (
    campaign_id TEXT PRIMARY KEY,
    choice_ids  TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    saved_at    INTEGER NOT NULL
);
