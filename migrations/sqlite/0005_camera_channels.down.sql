-- 0005 camera channels (SQLite), down.
ALTER TABLE cameras DROP COLUMN channels;
