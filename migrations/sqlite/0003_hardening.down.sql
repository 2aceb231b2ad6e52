-- 0003 hardening (SQLite), down.
ALTER TABLE api_tokens DROP COLUMN scope;
ALTER TABLE cameras DROP COLUMN verify_tls;
