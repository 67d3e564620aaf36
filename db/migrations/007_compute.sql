-- Virtual machines (Microsoft.Compute), the virtual functions their
-- accelerated network interfaces get on a host, and the operations table: the
-- work queue of the long-running requests (service/ops.c).

CREATE TABLE virtual_machines (
    -- the VM's vmId
    id                 uuid PRIMARY KEY,
    subscription_id    uuid NOT NULL,
    rg_key             text NOT NULL,
    name               text NOT NULL,
    location           text NOT NULL REFERENCES locations (name),
    tags               jsonb NOT NULL DEFAULT '{}',
    etag               uuid NOT NULL,
    vm_size            text NOT NULL,
    image_publisher    text NOT NULL,
    image_offer        text NOT NULL,
    image_sku          text NOT NULL,
    image_version      text NOT NULL,
    computer_name      text NOT NULL,
    admin_username     text NOT NULL,
    -- [{"id": <the NIC's ARM id as stored>, "nicId": <uuid>, "primary": bool}]
    -- in the order of the request; the NICs themselves say whether they are
    -- attached (network_interfaces.vm_id)
    network_profile    jsonb NOT NULL DEFAULT '[]',
    provisioning_state text NOT NULL
                       CHECK (provisioning_state IN ('Creating', 'Updating', 'Succeeded',
                                                     'Failed', 'Deleting')),
    power_state        text NOT NULL
                       CHECK (power_state IN ('starting', 'running', 'deallocating',
                                              'deallocated', 'stopped', 'unknown')),
    -- the host it is placed on and the capacity claimed there (released
    -- exactly once: the columns are cleared in the transaction that
    -- releases it)
    host_name          text REFERENCES hosts (name),
    claim_vcpus        integer NOT NULL DEFAULT 0 CHECK (claim_vcpus >= 0),
    claim_memory_mb    bigint NOT NULL DEFAULT 0 CHECK (claim_memory_mb >= 0),
    claim_vfs          integer NOT NULL DEFAULT 0 CHECK (claim_vfs >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (subscription_id, rg_key) REFERENCES resource_groups (subscription_id, name_key),
    CHECK (host_name IS NOT NULL OR (claim_vcpus = 0 AND claim_memory_mb = 0 AND claim_vfs = 0))
);
CREATE UNIQUE INDEX virtual_machines_name ON virtual_machines (subscription_id, rg_key, lower(name));
CREATE INDEX virtual_machines_host ON virtual_machines (host_name) WHERE host_name IS NOT NULL;

-- A NIC is attached to at most one VM: the key the NIC's delete checks.
ALTER TABLE network_interfaces
    ADD CONSTRAINT network_interfaces_vm_fk FOREIGN KEY (vm_id) REFERENCES virtual_machines (id);
CREATE INDEX network_interfaces_vm ON network_interfaces (vm_id) WHERE vm_id IS NOT NULL;

-- The virtual function that backs an accelerated NIC, as its host's agent
-- reported it. vf_host is set alone (the rest NULL) while a VF that may exist
-- on that host is being released (an agent that did not answer a detach):
-- the NIC cannot be attached again until it is.
ALTER TABLE network_interfaces
    ADD COLUMN vf_host              text REFERENCES hosts (name),
    ADD COLUMN vf_pf                text,
    ADD COLUMN vf_index             integer,
    ADD COLUMN vf_pci_address       text,
    ADD COLUMN vf_representor       text,
    ADD COLUMN vf_driver            text,
    ADD COLUMN vf_guest_driver      text,
    ADD COLUMN vf_policy_generation bigint,
    ADD CONSTRAINT network_interfaces_vf CHECK (vf_index IS NULL OR vf_host IS NOT NULL);
-- One VF backs one NIC: the database, not the code, keeps a VF from being
-- recorded twice.
CREATE UNIQUE INDEX network_interfaces_vf_slot ON network_interfaces (vf_host, vf_pf, vf_index)
    WHERE vf_index IS NOT NULL;

-- Policy generations handed to agents: one counter for every NIC, so a later
-- policy always has a higher number, whichever NSGs it came from.
CREATE SEQUENCE nic_policy_generation_seq MINVALUE 1;

CREATE TABLE operations (
    id              uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    location        text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('vm.create', 'vm.delete', 'vm.deallocate',
                                                  'vm.start', 'rg.delete', 'vf.release')),
    -- the ARM id of the resource the operation is about
    resource_id     text NOT NULL,
    -- the VM's id for vm.* operations (one at a time per VM), else NULL
    target_id       uuid,
    -- what the worker needs besides the resource (vf.release: host and NIC)
    params          jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'InProgress'
                    CHECK (status IN ('InProgress', 'Succeeded', 'Failed', 'Canceled')),
    -- the last completed step (each step is idempotent; a worker that takes
    -- the operation over continues from here)
    step            text NOT NULL DEFAULT '',
    error           jsonb,
    lease_owner     text,
    leased_until    timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    start_time      timestamptz NOT NULL DEFAULT now(),
    end_time        timestamptz,
    CHECK ((status = 'InProgress') = (end_time IS NULL))
);
CREATE INDEX operations_pending ON operations (start_time) WHERE status = 'InProgress';
CREATE UNIQUE INDEX operations_one_per_target ON operations (target_id)
    WHERE status = 'InProgress' AND target_id IS NOT NULL;
CREATE INDEX operations_resource ON operations (subscription_id, lower(resource_id));
-- A VM's latest failed operation (why it is Failed, in its instance view).
CREATE INDEX operations_target ON operations (target_id, end_time) WHERE target_id IS NOT NULL;
