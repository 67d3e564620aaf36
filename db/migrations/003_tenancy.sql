-- Subscriptions (tenants) and their resource groups.

CREATE TABLE subscriptions (
    id              uuid PRIMARY KEY,
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 256),
    -- where decisions about this subscription are POSTed (https, or http to loopback)
    contact_webhook text,
    state           text NOT NULL DEFAULT 'Enabled' CHECK (state IN ('Enabled', 'Disabled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tokens
    ADD CONSTRAINT tokens_subscription_fk FOREIGN KEY (subscription_id)
    REFERENCES subscriptions (id) ON DELETE CASCADE;

CREATE TABLE resource_groups (
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    name            text NOT NULL CHECK (name ~ '^[-\w._()]{1,90}$' AND name !~ '\.$'),
    location        text NOT NULL REFERENCES locations (name),
    tags            jsonb NOT NULL DEFAULT '{}',
    etag            uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscription_id, name)
);
-- Names keep their case and are unique case-insensitively (ARM).
CREATE UNIQUE INDEX resource_groups_name_ci ON resource_groups (subscription_id, lower(name));

-- Every decision and administrative change that matters later: who, what, when.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_token_id  uuid,
    subscription_id uuid,
    action          text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subscription ON audit_log (subscription_id, at);
