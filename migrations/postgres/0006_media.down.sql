-- 0006 media (PostgreSQL), down.
ALTER TABLE events DROP COLUMN recording_id;
DROP INDEX IF EXISTS recordings_start_ix;
ALTER TABLE recordings DROP COLUMN seen_at;
ALTER TABLE recordings DROP COLUMN gone_at;
ALTER TABLE recordings DROP COLUMN triggers;
