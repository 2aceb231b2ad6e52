-- 0009 command ids (PostgreSQL), down.
DROP INDEX commands_request_ux;
ALTER TABLE commands DROP COLUMN request_id;
