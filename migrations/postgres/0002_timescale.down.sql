-- 0002 timescale (PostgreSQL), down: the functions go; a hypertable stays a hypertable (0001's
-- functions handle both shapes, and 0001 down drops it).
DROP FUNCTION IF EXISTS reolink_events_set_retention(interval);
DROP FUNCTION IF EXISTS reolink_events_use_timescale();
