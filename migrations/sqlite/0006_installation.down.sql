-- 0006 installation (SQLite), down.
DROP TABLE bridge_meta;
