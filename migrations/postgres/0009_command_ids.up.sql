-- 0009 command ids (PostgreSQL): each audited command carries the id of its request
-- (`CommandRequested.request_id`), made once by the instance that received it. A bus entry
-- delivered again (at-least-once, several instances) writes nothing the second time.
ALTER TABLE commands ADD COLUMN request_id text;
CREATE UNIQUE INDEX commands_request_ux ON commands (request_id) WHERE request_id IS NOT NULL;
