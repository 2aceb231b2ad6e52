-- 0004 heartbeats (SQLite): the last time each camera view was seen with a detection still
-- active (written every `polling.active_heartbeat_interval` seconds while one is), so that a
-- restart after a crash closes the events it left open at that time; and an index on the open
-- events, which that restart looks up.
CREATE TABLE camera_heartbeats (
    camera_id TEXT PRIMARY KEY,
    seen_at   INTEGER NOT NULL
);
CREATE INDEX events_open_ix ON events (started_at) WHERE phase = 'start';
