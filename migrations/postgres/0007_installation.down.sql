-- 0007 installation (PostgreSQL), down.
DROP TABLE bridge_meta;
