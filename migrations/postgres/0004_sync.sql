-- Sync: the change log keeps only the latest change of each entity per
-- bucket (changelog::record deletes the earlier ones before appending), so
-- a pull sends each entity once however often it changed. PostgreSQL
-- dialect; migrations/sqlite holds the twin.

-- Finds the earlier changes of an entity in a bucket, for compaction.
CREATE INDEX changes_bucket_entity ON changes (bucket, entity, entity_id);

-- Compacts what earlier versions logged, so existing data obeys the rule too.
DELETE FROM changes WHERE seq NOT IN (
    SELECT MAX(seq) FROM changes GROUP BY bucket, entity, entity_id
);
