-- 0005 camera channels (PostgreSQL), down.
ALTER TABLE cameras DROP COLUMN channels;
