-- 0001 init (SQLite), down.
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS commands;
DROP TABLE IF EXISTS camera_configs;
DROP TABLE IF EXISTS recordings;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS cameras;
