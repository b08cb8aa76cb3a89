-- Group-buys: an order the member chose while offline (orders need the
-- server for their payment), kept per campaign until placed or discarded,
-- with the order id it was sent under (a lost answer retried is placed
-- once). Campaigns and orders themselves are entities (kinds `campaign`,
-- `order`).
CREATE TABLE order_drafts (
    campaign_id TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL,
    choice_ids  TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    saved_at    INTEGER NOT NULL
);
