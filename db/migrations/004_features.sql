-- Preview features (Microsoft.Features) and each subscription's registration,
-- plus the outbox of webhook events telling subscriptions of decisions.

CREATE TABLE features (
    namespace     text NOT NULL CHECK (namespace ~ '^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+$'),
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,128}$'),
    approval_type text NOT NULL CHECK (approval_type IN ('ApprovalRequired', 'AutoApproval')),
    description   text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name)
);
CREATE UNIQUE INDEX features_key_ci ON features (lower(namespace), lower(name));

INSERT INTO features (namespace, name, approval_type, description) VALUES
    ('Microsoft.Network', 'AllowAcceleratedNetworkingFeature', 'ApprovalRequired',
     'Accelerated Networking preview: SR-IOV virtual functions with offloaded policy');

-- A subscription with no row here is NotRegistered for that feature.
CREATE TABLE feature_registrations (
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    namespace       text NOT NULL,
    feature         text NOT NULL,
    state           text NOT NULL CHECK (state IN ('Pending', 'Registered', 'Rejected',
                                                   'Unregistering', 'Unregistered')),
    intended_use    text NOT NULL DEFAULT '',
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      uuid,            -- the admin token that approved or rejected
    decided_at      timestamptz,
    reason          text,            -- given with a rejection
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscription_id, namespace, feature),
    FOREIGN KEY (namespace, feature) REFERENCES features (namespace, name) ON UPDATE CASCADE
);
CREATE INDEX feature_registrations_state ON feature_registrations (state);

-- Webhook events, written in the same transaction as the decision they report
-- and delivered by a worker: at least once per event id (the id travels in
-- the payload and a header so a receiver can drop repeats).
CREATE TABLE outbox (
    id              uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    url             text NOT NULL,
    event_type      text NOT NULL,
    payload         jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    -- a worker's claim: taken with FOR UPDATE SKIP LOCKED and a lease; a
    -- replica that dies mid-delivery leaves a lease that simply runs out
    leased_until    timestamptz,
    lease_owner     text,
    last_attempt_at timestamptz,
    delivered_at    timestamptz,
    -- set when expires_at passed before a delivery succeeded: given up
    expired_at      timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND expired_at IS NULL;
