-- The group-buy shop: communities, sellable products and their option
-- choices (each with its own stock), campaigns, orders with their history,
-- webhook deliveries seen (replays change nothing), and the jobs table
-- every node's poller takes work from. PostgreSQL dialect; migrations/sqlite
-- holds the twin.

CREATE TABLE communities (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    -- The folded name: unique, so a community is never created twice.
    name_key     TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('university', 'neighbourhood', 'company')),
    email_domain TEXT,
    member_count BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

ALTER TABLE users ADD COLUMN community_id TEXT REFERENCES communities (id);
CREATE INDEX users_community ON users (community_id);

CREATE TABLE shop_products (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL,
    photos             TEXT NOT NULL,
    base_price_krw     BIGINT NOT NULL CHECK (base_price_krw >= 0),
    catalog_product_id TEXT REFERENCES products (id),
    archived_at        BIGINT,
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

-- One row per choice; a group is (product_id, group_position).
CREATE TABLE shop_choices (
    id              TEXT PRIMARY KEY NOT NULL,
    product_id      TEXT NOT NULL REFERENCES shop_products (id),
    group_position  BIGINT NOT NULL,
    group_name      TEXT NOT NULL,
    position        BIGINT NOT NULL,
    name            TEXT NOT NULL,
    price_delta_krw BIGINT NOT NULL,
    stock           BIGINT NOT NULL CHECK (stock >= 0),
    -- Units held by pending and paid orders; never above stock.
    reserved        BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= stock),
    -- A choice dropped from the product keeps its row for past orders.
    removed         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX shop_choices_product ON shop_choices (product_id, group_position, position);

CREATE TABLE campaigns (
    id               TEXT PRIMARY KEY NOT NULL,
    product_id       TEXT NOT NULL REFERENCES shop_products (id),
    title            TEXT NOT NULL,
    everyone         BIGINT NOT NULL,
    group_price_krw  BIGINT NOT NULL CHECK (group_price_krw >= 0),
    min_participants BIGINT NOT NULL,
    stock            BIGINT NOT NULL,
    reserved         BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= stock),
    paid_units       BIGINT NOT NULL DEFAULT 0,
    participants     BIGINT NOT NULL DEFAULT 0,
    per_member_limit BIGINT NOT NULL,
    starts_at        BIGINT NOT NULL,
    deadline_at      BIGINT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'succeeded', 'failed', 'cancelled')),
    closed_at        BIGINT,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX campaigns_status_deadline ON campaigns (status, deadline_at);

CREATE TABLE campaign_communities (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
    community_id TEXT NOT NULL REFERENCES communities (id),
    PRIMARY KEY (campaign_id, community_id)
);
CREATE INDEX campaign_communities_community ON campaign_communities (community_id);

CREATE TABLE orders (
    id             TEXT PRIMARY KEY NOT NULL,
    campaign_id    TEXT NOT NULL REFERENCES campaigns (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    choices        TEXT NOT NULL,
    quantity       BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_krw BIGINT NOT NULL,
    amount_krw     BIGINT NOT NULL,
    status         TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    paid_at        BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX orders_user ON orders (user_id, id);
CREATE INDEX orders_campaign_status ON orders (campaign_id, status);

CREATE TABLE order_history (
    id         TEXT PRIMARY KEY NOT NULL,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    status     TEXT NOT NULL,
    actor_id   TEXT,
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX order_history_order ON order_history (order_id, created_at);

-- Webhook deliveries already taken (by `webhook-id`).
CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY NOT NULL,
    received_at BIGINT NOT NULL
);

-- Work due at a time, taken by whichever node's poller comes first: a
-- taken job is leased (`locked_until`) and retaken when its node died.
-- `key` makes scheduling idempotent (one deadline job per campaign).
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL,
    due_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error   TEXT,
    done_at      BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (done_at, due_at);

-- Who looked at a campaign (the 24-hour reminder goes to those who did
-- not order).
CREATE TABLE campaign_views (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);

-- engine-specific below
-- The audit log also records what the system refused on its own (a
-- forged webhook, a payment that does not match its order): its actor is
-- then `system`, not a member, so the column no longer references users.
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_actor_id_fkey;
