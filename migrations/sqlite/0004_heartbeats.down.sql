-- 0004 heartbeats (SQLite), down.
DROP INDEX events_open_ix;
DROP TABLE camera_heartbeats;
