-- 0005 camera channels (PostgreSQL): what the configuration says per NVR channel (its name), for
-- cameras added at run time as for the config file's. JSON: {"0": {"name": "Gate"}}.
ALTER TABLE cameras ADD COLUMN channels jsonb NOT NULL DEFAULT '{}'::jsonb;
