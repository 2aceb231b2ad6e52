-- 0001 init (SQLite): the same tables as migrations/postgres/0001. Times are INTEGER microseconds
-- since the Unix epoch (UTC); JSON columns are TEXT holding JSON; booleans are 0/1.

CREATE TABLE cameras (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL DEFAULT '',
    host               TEXT NOT NULL,
    port               INTEGER,
    https              INTEGER NOT NULL DEFAULT 0,
    username           TEXT NOT NULL DEFAULT '',
    password_encrypted TEXT NOT NULL DEFAULT '',
    channel            INTEGER,
    model              TEXT,
    firmware           TEXT,
    capabilities       TEXT,
    status             TEXT,
    last_seen          INTEGER,
    tags               TEXT NOT NULL DEFAULT '[]',
    "group"            TEXT,
    enabled            INTEGER NOT NULL DEFAULT 1,
    poll_interval      REAL,
    source             TEXT NOT NULL DEFAULT 'runtime' CHECK (source IN ('config', 'runtime')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE events (
    event_id        TEXT NOT NULL,
    camera_id       TEXT NOT NULL,
    camera_name     TEXT NOT NULL DEFAULT '',
    channel         INTEGER NOT NULL DEFAULT 0,
    type            TEXT NOT NULL,
    phase           TEXT NOT NULL CHECK (phase IN ('start', 'end', 'instant')),
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    duration        REAL,
    severity        TEXT,
    metadata        TEXT NOT NULL DEFAULT '{}',
    snapshot_path   TEXT,
    clip            TEXT,
    acknowledged    INTEGER NOT NULL DEFAULT 0,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    PRIMARY KEY (event_id, started_at)
);

CREATE INDEX events_time_ix ON events (started_at DESC, event_id DESC);
CREATE INDEX events_camera_time_ix ON events (camera_id, started_at DESC, event_id DESC);
CREATE INDEX events_camera_type_time_ix ON events (camera_id, type, started_at DESC, event_id DESC);
CREATE INDEX events_unacked_time_ix ON events (started_at DESC, event_id DESC) WHERE acknowledged = 0;

CREATE TABLE recordings (
    id         INTEGER PRIMARY KEY,
    camera_id  TEXT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    channel    INTEGER NOT NULL DEFAULT 0,
    name       TEXT NOT NULL,
    stream     TEXT NOT NULL DEFAULT 'main' CHECK (stream IN ('main', 'sub')),
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    size       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (camera_id, channel, stream, name)
);
CREATE INDEX recordings_camera_start_ix ON recordings (camera_id, channel, start DESC);

CREATE TABLE camera_configs (
    camera_id  TEXT NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version > 0),
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    who        TEXT,
    PRIMARY KEY (camera_id, kind, version)
);

CREATE TABLE commands (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    camera_id   TEXT NOT NULL,
    source      TEXT NOT NULL,
    command     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error       TEXT,
    who         TEXT,
    "transaction" TEXT,
    at          INTEGER NOT NULL
);
CREATE INDEX commands_camera_ix ON commands (camera_id, id DESC);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
