-- 0002 timescale (PostgreSQL): when the timescaledb extension is available, `events` becomes a
-- hypertable on started_at (weekly chunks) instead of the monthly partitions of 0001. Otherwise
-- nothing changes. The logic is a PL/pgSQL function, so PostgreSQL parses its whole body when it is
-- created (here, on every server, with or without TimescaleDB); calling it decides.
--
--   reolink_events_use_timescale()          -> true when events is (now) a hypertable
--   reolink_events_set_retention(interval)  -> sets TimescaleDB's retention policy (no-op otherwise)

CREATE FUNCTION reolink_events_use_timescale() RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        RETURN false;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN OTHERS THEN
            -- e.g. not in shared_preload_libraries: keep the partitioned table.
            RAISE NOTICE 'timescaledb is available but cannot be loaded (%); events stays partitioned', SQLERRM;
            RETURN false;
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'events') THEN
        RETURN true;
    END IF;

    ALTER TABLE events RENAME TO events_partitioned;
    CREATE TABLE events (
        event_id        text NOT NULL,
        camera_id       text NOT NULL,
        camera_name     text NOT NULL DEFAULT '',
        channel         integer NOT NULL DEFAULT 0,
        type            text NOT NULL,
        phase           text NOT NULL CHECK (phase IN ('start', 'end', 'instant')),
        started_at      timestamptz NOT NULL,
        ended_at        timestamptz,
        duration        double precision,
        severity        text,
        metadata        jsonb NOT NULL DEFAULT '{}',
        snapshot_path   text,
        clip            text,
        acknowledged    boolean NOT NULL DEFAULT false,
        acknowledged_at timestamptz,
        acknowledged_by text,
        PRIMARY KEY (event_id, started_at)
    );
    PERFORM create_hypertable('events', 'started_at', chunk_time_interval => interval '7 days');
    INSERT INTO events SELECT * FROM events_partitioned;
    DROP TABLE events_partitioned CASCADE;
    CREATE INDEX events_time_ix ON events (started_at DESC, event_id DESC);
    CREATE INDEX events_camera_time_ix ON events (camera_id, started_at DESC, event_id DESC);
    CREATE INDEX events_camera_type_time_ix ON events (camera_id, type, started_at DESC, event_id DESC);
    CREATE INDEX events_unacked_time_ix ON events (started_at DESC, event_id DESC) WHERE NOT acknowledged;
    RETURN true;
END
$fn$;

CREATE FUNCTION reolink_events_set_retention(keep interval) RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Two statements: the second names a view that exists only with the extension.
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN false;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'events') THEN
        RETURN false;
    END IF;
    PERFORM remove_retention_policy('events', if_exists => true);
    PERFORM add_retention_policy('events', drop_after => keep);
    RETURN true;
END
$fn$;

SELECT reolink_events_use_timescale();
