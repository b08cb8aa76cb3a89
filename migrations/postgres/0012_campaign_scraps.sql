-- Group-buys a member saved (찜) to come back to; with those they viewed,
-- they hear of the deadline 24 hours before unless they ordered.
CREATE TABLE campaign_scraps (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_scraps_user ON campaign_scraps (user_id, created_at);
