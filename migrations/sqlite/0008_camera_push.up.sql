-- 0008 camera push (SQLite): how a camera's events arrive (`push`: auto, on, off) and its
-- Baichuan port (NULL: the port the device reports, else 9000), for cameras added at run time as
-- for the config file's.
ALTER TABLE cameras ADD COLUMN push TEXT NOT NULL DEFAULT 'auto'
    CHECK (push IN ('auto', 'on', 'off'));
ALTER TABLE cameras ADD COLUMN baichuan_port INTEGER
    CHECK (baichuan_port IS NULL OR baichuan_port BETWEEN 1 AND 65535);
