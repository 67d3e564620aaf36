-- Hosts: the machines VMs are placed on, each run by an accelnet-agent that
-- registers it (PUT /admin/hosts/{hostName}) and heartbeats. Their capacity is
-- claimed by the scheduler with a conditional UPDATE; the CHECK constraints
-- below are what makes over-commit and negative counters impossible, whatever
-- the number of accelnetd processes on this database.

CREATE TABLE hosts (
    -- a DNS label in lower case
    name              text PRIMARY KEY CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    location          text NOT NULL REFERENCES locations (name),
    -- where accelnetd calls the agent (https://, or http:// on loopback)
    agent_url         text NOT NULL CHECK (length(agent_url) BETWEEN 8 AND 2048),
    -- the secret the agent generated: accelnetd presents it to the agent as a
    -- bearer token. A credential for the agent's API, never for accelnetd's;
    -- never shown by the API.
    callback_token    text NOT NULL CHECK (length(callback_token) BETWEEN 32 AND 512),
    -- the agent token that registered the host first; NULL while only admin
    -- tokens have registered it. A revoked owner lets the next agent token
    -- take the host over.
    owner_token_id    uuid REFERENCES tokens (id),
    fault_domain      integer NOT NULL DEFAULT 0 CHECK (fault_domain BETWEEN 0 AND 255),
    backend           text NOT NULL CHECK (backend ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    agent_version     text NOT NULL CHECK (length(agent_version) BETWEEN 1 AND 64),
    -- set by operators; registration never changes it
    state             text NOT NULL DEFAULT 'Enabled'
                      CHECK (state IN ('Enabled', 'Draining', 'Disabled')),
    vcpus_total       integer NOT NULL CHECK (vcpus_total >= 1),
    vcpus_used        integer NOT NULL DEFAULT 0,
    memory_mb_total   bigint NOT NULL CHECK (memory_mb_total >= 1),
    memory_mb_used    bigint NOT NULL DEFAULT 0,
    -- the sum of the physical functions' num_vfs
    vfs_total         integer NOT NULL CHECK (vfs_total >= 0),
    vfs_used          integer NOT NULL DEFAULT 0,
    -- what the agent said it has handed out in its last heartbeat (NULL
    -- before the first one); for operators and the reconciler
    agent_vfs_in_use  integer CHECK (agent_vfs_in_use >= 0),
    -- registration and heartbeats; health is computed from it
    last_heartbeat_at timestamptz,
    registered_at     timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hosts_vcpus_used CHECK (vcpus_used >= 0 AND vcpus_used <= vcpus_total),
    CONSTRAINT hosts_memory_used CHECK (memory_mb_used >= 0 AND memory_mb_used <= memory_mb_total),
    CONSTRAINT hosts_vfs_used CHECK (vfs_used >= 0 AND vfs_used <= vfs_total)
);
CREATE INDEX hosts_location ON hosts (location);

-- The SR-IOV physical functions of a host, as its agent registered them.
CREATE TABLE host_pfs (
    host_name    text NOT NULL REFERENCES hosts (name) ON DELETE CASCADE,
    name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$'),
    pci_address  text NOT NULL CHECK (pci_address ~ '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'),
    vendor_id    text NOT NULL CHECK (vendor_id ~ '^[0-9a-f]{4}$'),
    device_id    text NOT NULL CHECK (device_id ~ '^[0-9a-f]{4}$'),
    vf_device_id text NOT NULL CHECK (vf_device_id ~ '^[0-9a-f]{4}$'),
    num_vfs      integer NOT NULL CHECK (num_vfs BETWEEN 0 AND 256),
    driver       text NOT NULL CHECK (length(driver) BETWEEN 1 AND 64),
    PRIMARY KEY (host_name, name),
    UNIQUE (host_name, pci_address)
);
