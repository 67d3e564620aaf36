-- Bearer tokens. Only a hash of each token is stored (BLAKE2b-256, hex);
-- the token itself is shown once, when it is created.
CREATE TABLE tokens (
    id              uuid PRIMARY KEY,
    role            text NOT NULL CHECK (role IN ('admin', 'agent', 'user')),
    -- user tokens belong to one subscription (the subscriptions table and its
    -- foreign key come with tenancy)
    subscription_id uuid,
    hash            text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    description     text NOT NULL DEFAULT '',
    -- the one bootstrap admin token (ACCELNET_ADMIN_TOKEN or generated)
    bootstrap       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    CHECK ((role = 'user') = (subscription_id IS NOT NULL)),
    CHECK (NOT bootstrap OR role = 'admin')
);
CREATE UNIQUE INDEX tokens_one_bootstrap ON tokens (bootstrap) WHERE bootstrap;
