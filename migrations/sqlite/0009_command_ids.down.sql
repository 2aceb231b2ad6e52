-- 0009 command ids (SQLite), down.
DROP INDEX commands_request_ux;
ALTER TABLE commands DROP COLUMN request_id;
