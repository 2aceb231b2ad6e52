-- 0003 hardening (PostgreSQL): a camera's TLS check survives a restart; API tokens carry a scope
-- (read < control < admin; tokens made before scopes existed keep full rights).
ALTER TABLE cameras ADD COLUMN verify_tls boolean NOT NULL DEFAULT false;
ALTER TABLE api_tokens ADD COLUMN scope text NOT NULL DEFAULT 'admin'
    CHECK (scope IN ('read', 'control', 'admin'));
