-- 0006 media (SQLite): the recordings index (triggers, when the camera dropped a file, when the
-- indexer last saw it) and the recording that covers an event. Times: INTEGER microseconds (UTC).
ALTER TABLE recordings ADD COLUMN triggers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE recordings ADD COLUMN gone_at INTEGER;
ALTER TABLE recordings ADD COLUMN seen_at INTEGER;
CREATE INDEX recordings_start_ix ON recordings (start DESC, id DESC);
ALTER TABLE events ADD COLUMN recording_id INTEGER;
