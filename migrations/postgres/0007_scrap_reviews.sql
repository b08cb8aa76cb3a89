-- Who scrapped a review: a deleted or hidden review is taken out of its
-- scrappers' own buckets too, so their devices stop showing it.
CREATE INDEX scraps_review ON scraps (review_id, user_id);
