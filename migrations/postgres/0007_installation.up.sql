-- 0007 installation (PostgreSQL): facts about the installation itself, one row per key. The first
-- is `installation_id`: a random id made once and shared by every instance on this database,
-- which Home Assistant's custom integration uses as the config entry's unique id.
CREATE TABLE bridge_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
