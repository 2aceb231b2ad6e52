-- 0006 media (PostgreSQL): the recordings index (triggers, when the camera dropped a file, when the
-- indexer last saw it) and the recording that covers an event.
ALTER TABLE recordings ADD COLUMN triggers jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE recordings ADD COLUMN gone_at timestamptz;
ALTER TABLE recordings ADD COLUMN seen_at timestamptz;
CREATE INDEX recordings_start_ix ON recordings (start DESC, id DESC);
ALTER TABLE events ADD COLUMN recording_id bigint;
