-- Catalog upkeep: places carry an external link (a map or the shop's
-- page) like products do, and members delete the places and products they
-- added: `deleted_at` marks one deleted (its page stays as a tombstone
-- while reviews point at it; without reviews it is gone).
ALTER TABLE places ADD COLUMN link TEXT NOT NULL DEFAULT '';
ALTER TABLE places ADD COLUMN deleted_at BIGINT;
ALTER TABLE products ADD COLUMN deleted_at BIGINT;
