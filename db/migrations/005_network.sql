-- Network resources (Microsoft.Network): virtual networks and their subnets,
-- network security groups and their rules, network interfaces and their IP
-- configurations.
--
-- Conventions for every ARM resource table:
--   id                 the resource's resourceGuid (uuid)
--   (subscription_id, rg_key) the resource group, by its lower-case name, so
--                      a group with resources cannot be deleted (foreign key)
--   name               as the client spelled it; unique case-insensitively
--                      within its scope (a unique index on lower(name))
--   etag               changes on every change that is visible in the body
--   provisioning_state 'Succeeded' | 'Updating' | 'Deleting' | 'Failed'

ALTER TABLE resource_groups ADD COLUMN name_key text GENERATED ALWAYS AS (lower(name)) STORED;
ALTER TABLE resource_groups ADD CONSTRAINT resource_groups_key UNIQUE (subscription_id, name_key);

-- Segment ids (VNIs) for the datapath: 24 bits, never reused.
CREATE SEQUENCE vnet_segment_seq MINVALUE 4096 MAXVALUE 16777215 NO CYCLE;

CREATE TABLE virtual_networks (
    id                 uuid PRIMARY KEY,
    subscription_id    uuid NOT NULL,
    rg_key             text NOT NULL,
    name               text NOT NULL,
    location           text NOT NULL REFERENCES locations (name),
    tags               jsonb NOT NULL DEFAULT '{}',
    etag               uuid NOT NULL,
    address_prefixes   cidr[] NOT NULL CHECK (cardinality(address_prefixes) >= 1),
    segment_id         integer NOT NULL UNIQUE DEFAULT nextval('vnet_segment_seq'),
    provisioning_state text NOT NULL DEFAULT 'Succeeded',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (subscription_id, rg_key) REFERENCES resource_groups (subscription_id, name_key)
);
CREATE UNIQUE INDEX virtual_networks_name ON virtual_networks (subscription_id, rg_key, lower(name));

CREATE TABLE network_security_groups (
    id                 uuid PRIMARY KEY,
    subscription_id    uuid NOT NULL,
    rg_key             text NOT NULL,
    name               text NOT NULL,
    location           text NOT NULL REFERENCES locations (name),
    tags               jsonb NOT NULL DEFAULT '{}',
    etag               uuid NOT NULL,
    -- bumped by every change to the rules: what host agents install is
    -- tagged with it, and an older generation never replaces a newer one
    generation         bigint NOT NULL DEFAULT 1,
    provisioning_state text NOT NULL DEFAULT 'Succeeded',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (subscription_id, rg_key) REFERENCES resource_groups (subscription_id, name_key)
);
CREATE UNIQUE INDEX network_security_groups_name
    ON network_security_groups (subscription_id, rg_key, lower(name));

CREATE TABLE security_rules (
    id                           uuid PRIMARY KEY,
    nsg_id                       uuid NOT NULL REFERENCES network_security_groups (id) ON DELETE CASCADE,
    name                         text NOT NULL,
    etag                         uuid NOT NULL,
    description                  text NOT NULL DEFAULT '',
    priority                     integer NOT NULL CHECK (priority BETWEEN 100 AND 4096),
    direction                    text NOT NULL CHECK (direction IN ('Inbound', 'Outbound')),
    access                       text NOT NULL CHECK (access IN ('Allow', 'Deny')),
    protocol                     text NOT NULL CHECK (protocol IN ('Tcp', 'Udp', 'Icmp', '*')),
    -- each element: a CIDR, an address, '*', or a service tag
    -- (VirtualNetwork, Internet, AzureLoadBalancer); ports: '*', 'N' or 'N-M'
    source_address_prefixes      text[] NOT NULL,
    destination_address_prefixes text[] NOT NULL,
    source_port_ranges           text[] NOT NULL,
    destination_port_ranges      text[] NOT NULL,
    provisioning_state           text NOT NULL DEFAULT 'Succeeded',
    UNIQUE (nsg_id, direction, priority)
);
CREATE UNIQUE INDEX security_rules_name ON security_rules (nsg_id, lower(name));

CREATE TABLE subnets (
    id                 uuid PRIMARY KEY,
    vnet_id            uuid NOT NULL REFERENCES virtual_networks (id) ON DELETE CASCADE,
    name               text NOT NULL,
    etag               uuid NOT NULL,
    address_prefix     cidr NOT NULL,
    -- deleting an NSG that a subnet uses is refused (no action)
    nsg_id             uuid REFERENCES network_security_groups (id),
    provisioning_state text NOT NULL DEFAULT 'Succeeded'
);
CREATE UNIQUE INDEX subnets_name ON subnets (vnet_id, lower(name));
CREATE INDEX subnets_nsg ON subnets (nsg_id) WHERE nsg_id IS NOT NULL;

-- MAC addresses: 00-0D-3A (Microsoft's prefix, as Azure shows) and 24 bits
-- from this sequence, so two NICs can never get the same one.
CREATE SEQUENCE nic_mac_seq MINVALUE 1 MAXVALUE 16777215 NO CYCLE;

CREATE TABLE network_interfaces (
    id                            uuid PRIMARY KEY,
    subscription_id               uuid NOT NULL,
    rg_key                        text NOT NULL,
    name                          text NOT NULL,
    location                      text NOT NULL REFERENCES locations (name),
    tags                          jsonb NOT NULL DEFAULT '{}',
    etag                          uuid NOT NULL,
    mac_address                   macaddr NOT NULL UNIQUE,
    enable_accelerated_networking boolean NOT NULL DEFAULT false,
    enable_ip_forwarding          boolean NOT NULL DEFAULT false,
    nsg_id                        uuid REFERENCES network_security_groups (id),
    -- set when a VM is created with this NIC (the compute issue adds the key)
    vm_id                         uuid,
    provisioning_state            text NOT NULL DEFAULT 'Succeeded',
    created_at                    timestamptz NOT NULL DEFAULT now(),
    updated_at                    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (subscription_id, rg_key) REFERENCES resource_groups (subscription_id, name_key)
);
CREATE UNIQUE INDEX network_interfaces_name
    ON network_interfaces (subscription_id, rg_key, lower(name));
CREATE INDEX network_interfaces_nsg ON network_interfaces (nsg_id) WHERE nsg_id IS NOT NULL;

CREATE TABLE nic_ip_configurations (
    id                   uuid PRIMARY KEY,
    nic_id               uuid NOT NULL REFERENCES network_interfaces (id) ON DELETE CASCADE,
    name                 text NOT NULL,
    etag                 uuid NOT NULL,
    -- deleting a subnet that a NIC uses is refused (no action)
    subnet_id            uuid NOT NULL REFERENCES subnets (id),
    private_ip           inet NOT NULL,
    allocation_method    text NOT NULL CHECK (allocation_method IN ('Dynamic', 'Static')),
    is_primary           boolean NOT NULL DEFAULT false,
    -- the database, not the code, keeps two NICs off one address
    UNIQUE (subnet_id, private_ip)
);
CREATE UNIQUE INDEX nic_ip_configurations_name ON nic_ip_configurations (nic_id, lower(name));
CREATE UNIQUE INDEX nic_ip_configurations_primary ON nic_ip_configurations (nic_id) WHERE is_primary;
