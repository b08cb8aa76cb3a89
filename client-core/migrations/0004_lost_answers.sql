-- What a lost answer must not undo (see `crate::outbox`).
--
-- `sent`: the item left the device at least once, so the server may have
-- applied it even if no answer came back. Such an item is never rewritten
-- or dropped; a later change becomes a mutation of its own. Items from
-- before this column that were tried, or are on their way, count as sent.
--
-- `after_id`: an edit written on top of an item that may have reached the
-- server waits for that item's answer, which gives the version it is based
-- on (then it is cleared).
ALTER TABLE outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN after_id TEXT;
UPDATE outbox SET sent = 1 WHERE attempts > 0 OR state IN ('sending', 'applied');

-- Tombstones: what a pull deleted, by kind and id, with the change seq of
-- the deletion. Anything older (a pulled upsert with a lower seq, a push
-- answer or a REST read, which carry no seq) is refused, so a late answer
-- cannot bring a deleted review or comment back. A newer pulled version
-- (a restore) replaces the tombstone.
CREATE TABLE tombstones (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
