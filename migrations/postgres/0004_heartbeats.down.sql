-- 0004 heartbeats (PostgreSQL), down.
DROP INDEX events_open_ix;
DROP TABLE camera_heartbeats;
