-- 0001 init (PostgreSQL), down: everything 0001 made.
DROP FUNCTION IF EXISTS events_retention(timestamptz, integer);
DROP FUNCTION IF EXISTS events_drop_partitions(timestamptz);
DROP FUNCTION IF EXISTS events_ensure_partitions(integer, date);
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS commands;
DROP TABLE IF EXISTS camera_configs;
DROP TABLE IF EXISTS recordings;
DROP TABLE IF EXISTS events CASCADE;
DROP TABLE IF EXISTS cameras;
