-- The admin order table: its two sorts walk these (newest or oldest
-- first, largest or smallest amount), and the dashboard reads payments by
-- the day they were paid. Same in both dialects.
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_amount ON orders (amount_krw, id);
CREATE INDEX orders_paid ON orders (paid_at);
