-- 0009 command ids (SQLite): each audited command carries the id of its request
-- (`CommandRequested.request_id`); a bus entry delivered again writes nothing the second time.
ALTER TABLE commands ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX commands_request_ux ON commands (request_id) WHERE request_id IS NOT NULL;
