-- 0001 init (PostgreSQL): the bridge's tables. Times are timestamptz; partition bounds are UTC months.
--
-- `events` is range-partitioned by month on `started_at` (0002 turns it into a TimescaleDB
-- hypertable instead when that extension exists). Its key is (event_id, started_at) because a
-- partitioned table's unique keys must hold the partition key: an `end` event carries the
-- `started_at` of its start, so an upsert finds the row. Rows outside every monthly partition land
-- in events_default; events_ensure_partitions() moves them out when their month is created.

CREATE TABLE cameras (
    id                 text PRIMARY KEY,
    name               text NOT NULL DEFAULT '',
    host               text NOT NULL,
    port               integer,
    https              boolean NOT NULL DEFAULT false,
    username           text NOT NULL DEFAULT '',
    password_encrypted text NOT NULL DEFAULT '',
    channel            integer,
    model              text,
    firmware           text,
    capabilities       jsonb,
    status             text,
    last_seen          timestamptz,
    tags               text[] NOT NULL DEFAULT '{}',
    "group"            text,
    enabled            boolean NOT NULL DEFAULT true,
    poll_interval      double precision,
    source             text NOT NULL DEFAULT 'runtime' CHECK (source IN ('config', 'runtime')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

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
) PARTITION BY RANGE (started_at);

CREATE TABLE events_default PARTITION OF events DEFAULT;

-- The API's list: newest first, keyset on (started_at, event_id), optional camera/type filters.
CREATE INDEX events_time_ix ON events (started_at DESC, event_id DESC);
CREATE INDEX events_camera_time_ix ON events (camera_id, started_at DESC, event_id DESC);
CREATE INDEX events_camera_type_time_ix ON events (camera_id, type, started_at DESC, event_id DESC);
CREATE INDEX events_unacked_time_ix ON events (started_at DESC, event_id DESC) WHERE NOT acknowledged;

CREATE TABLE recordings (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    camera_id  text NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    channel    integer NOT NULL DEFAULT 0,
    name       text NOT NULL,
    stream     text NOT NULL DEFAULT 'main' CHECK (stream IN ('main', 'sub')),
    start      timestamptz NOT NULL,
    "end"      timestamptz NOT NULL,
    size       bigint NOT NULL DEFAULT 0,
    UNIQUE (camera_id, channel, stream, name)
);
CREATE INDEX recordings_camera_start_ix ON recordings (camera_id, channel, start DESC);

CREATE TABLE camera_configs (
    camera_id  text NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    who        text,
    PRIMARY KEY (camera_id, kind, version)
);

-- The command audit outlives cameras (no foreign key): who did what, and how it went.
CREATE TABLE commands (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    camera_id     text NOT NULL,
    source        text NOT NULL,
    command       jsonb NOT NULL,
    status        text NOT NULL CHECK (status IN ('ok', 'error')),
    error         text,
    who           text,
    transaction   text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commands_camera_ix ON commands (camera_id, id DESC);

CREATE TABLE api_tokens (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Creates the monthly partitions from `from_month` (default: this UTC month) to `months_ahead`
-- months later, moving rows that wait in events_default into them. Returns the partitions made.
CREATE FUNCTION events_ensure_partitions(months_ahead integer DEFAULT 2, from_month date DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql AS $fn$
DECLARE
    first_month date := date_trunc('month', coalesce(from_month, (now() AT TIME ZONE 'UTC')::date))::date;
    lo timestamptz;
    hi timestamptz;
    part text;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'events'::regclass) <> 'p' THEN
        RETURN;  -- a hypertable (0002): TimescaleDB makes its own chunks
    END IF;
    FOR i IN 0..months_ahead LOOP
        lo := (first_month + make_interval(months => i))::timestamp AT TIME ZONE 'UTC';
        hi := (first_month + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC';
        part := 'events_p' || to_char(first_month + make_interval(months => i), 'YYYYMM');
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM pg_inherits inh JOIN pg_class c ON c.oid = inh.inhrelid
            WHERE inh.inhparent = 'events'::regclass AND c.relname = part);
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (started_at >= %L AND started_at < %L)',
                       part, part || '_bounds', lo, hi);
        EXECUTE format('WITH moved AS (DELETE FROM events_default WHERE started_at >= %L AND started_at < %L RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', lo, hi, part);
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_bounds');
        RETURN NEXT part;
    END LOOP;
END
$fn$;

-- Drops every monthly partition that ends at or before `before`; returns each with its row count.
CREATE FUNCTION events_drop_partitions(before timestamptz)
RETURNS TABLE (part_name text, row_count bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    child text;
    hi timestamptz;
BEGIN
    FOR child IN
        SELECT c.relname FROM pg_inherits inh JOIN pg_class c ON c.oid = inh.inhrelid
        WHERE inh.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'
        ORDER BY c.relname
    LOOP
        hi := (to_date(substr(child, 9), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN hi > before;
        part_name := child;
        EXECUTE format('SELECT count(*) FROM %I', child) INTO row_count;
        EXECUTE format('ALTER TABLE events DETACH PARTITION %I', child);
        EXECUTE format('DROP TABLE %I', child);
        RETURN NEXT;
    END LOOP;
END
$fn$;

-- The retention job, one statement: partitions ahead, whole old partitions dropped, the remaining
-- older rows deleted. Returns how many events were removed.
CREATE FUNCTION events_retention(before timestamptz, months_ahead integer DEFAULT 2)
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    removed bigint := 0;
    deleted bigint;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'events'::regclass) = 'p' THEN
        PERFORM events_ensure_partitions(months_ahead);
        SELECT coalesce(sum(row_count), 0) INTO removed FROM events_drop_partitions(before);
    ELSE
        -- A TimescaleDB hypertable (0002): whole chunks go first.
        SELECT count(*) INTO removed FROM events WHERE started_at < before;
        EXECUTE 'SELECT drop_chunks(''events'', older_than => $1)' USING before;
        DELETE FROM events WHERE started_at < before;
        RETURN removed;
    END IF;
    DELETE FROM events WHERE started_at < before;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN removed + deleted;
END
$fn$;

SELECT count(*) FROM events_ensure_partitions(2);
