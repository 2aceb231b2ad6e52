-- 0007 installation (SQLite), down.
DROP TABLE bridge_meta;
