-- Agent tokens bound to one host: a token with host_name set may register,
-- and heartbeat for, that host only (service/auth.c refuses every other
-- {hostName} with 403 before a handler runs). NULL: an unbound agent token,
-- as before (any host name; ACCELNET_AGENT_TOKENS_REQUIRE_HOST=1 refuses
-- them). Not a foreign key: a token is issued before its host registers,
-- and a host deleted by an operator may come back under the same name.
ALTER TABLE tokens ADD COLUMN host_name text
    CONSTRAINT tokens_host_name_label CHECK (host_name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$');
ALTER TABLE tokens ADD CONSTRAINT tokens_host_name_agent CHECK (host_name IS NULL OR role = 'agent');
