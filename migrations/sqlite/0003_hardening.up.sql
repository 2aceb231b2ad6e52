-- 0003 hardening (SQLite): a camera's TLS check survives a restart; API tokens carry a scope
-- (read < control < admin; tokens made before scopes existed keep full rights).
ALTER TABLE cameras ADD COLUMN verify_tls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin'
    CHECK (scope IN ('read', 'control', 'admin'));
