-- The catalogue: what exists and what is eligible for Accelerated Networking.
-- One source of truth: validation, the eligibility check and the skus list
-- all read these tables. Names keep their case; lookups are case-insensitive.

CREATE TABLE locations (
    name                   text PRIMARY KEY CHECK (name ~ '^[a-z0-9]{1,64}$'),
    display_name           text NOT NULL,
    accelerated_networking boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vm_sizes (
    name                   text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_]{1,64}$'),
    vcpus                  integer NOT NULL CHECK (vcpus > 0),
    memory_mb              integer NOT NULL CHECK (memory_mb > 0),
    max_nics               integer NOT NULL CHECK (max_nics > 0),
    accelerated_networking boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX vm_sizes_name_ci ON vm_sizes (lower(name));

CREATE TABLE os_images (
    publisher              text NOT NULL CHECK (publisher ~ '^[A-Za-z0-9._-]{1,64}$'),
    offer                  text NOT NULL CHECK (offer ~ '^[A-Za-z0-9._-]{1,64}$'),
    sku                    text NOT NULL CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
    display_name           text NOT NULL,
    os_type                text NOT NULL CHECK (os_type IN ('Windows', 'Linux')),
    accelerated_networking boolean NOT NULL DEFAULT false,
    -- what the guest shows for the VF, e.g. in Device Manager
    vf_driver              text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (publisher, offer, sku)
);
CREATE UNIQUE INDEX os_images_key_ci ON os_images (lower(publisher), lower(offer), lower(sku));

-- The 2016 preview, seeded once (this migration runs once per database, so
-- an operator's later edits and deletions are never overwritten).
INSERT INTO locations (name, display_name, accelerated_networking) VALUES
    ('westcentralus', 'West Central US', true),
    ('westeurope', 'West Europe', true),
    ('eastus', 'East US', false),
    ('westus', 'West US', false),
    ('northeurope', 'North Europe', false),
    ('southeastasia', 'Southeast Asia', false);

INSERT INTO vm_sizes (name, vcpus, memory_mb, max_nics, accelerated_networking) VALUES
    ('Standard_D15_v2', 20, 143360, 8, true),
    ('Standard_DS15_v2', 20, 143360, 8, true),
    ('Standard_D2_v2', 2, 7168, 2, false),
    ('Standard_D4_v2', 8, 28672, 8, false),
    ('Standard_DS3_v2', 4, 14336, 4, false),
    ('Standard_A1', 1, 1792, 2, false);

INSERT INTO os_images (publisher, offer, sku, display_name, os_type, accelerated_networking, vf_driver) VALUES
    ('MicrosoftWindowsServer', 'WindowsServer', '2012-R2-Datacenter',
     'Windows Server 2012 R2 Datacenter', 'Windows', true,
     'Mellanox ConnectX-3 Virtual Function Ethernet Adapter'),
    ('MicrosoftWindowsServer', 'WindowsServer', '2016-Technical-Preview-with-Containers',
     'Windows Server 2016 Technical Preview 5', 'Windows', true,
     'Mellanox ConnectX-3 Virtual Function Ethernet Adapter'),
    ('MicrosoftWindowsServer', 'WindowsServer', '2008-R2-SP1',
     'Windows Server 2008 R2 SP1', 'Windows', false, ''),
    ('Canonical', 'UbuntuServer', '16.04-LTS', 'Ubuntu Server 16.04 LTS', 'Linux', false, ''),
    ('OpenLogic', 'CentOS', '7.2', 'CentOS 7.2', 'Linux', false, ''),
    ('SUSE', 'SLES', '12-SP1', 'SUSE Linux Enterprise Server 12 SP1', 'Linux', false, '');
