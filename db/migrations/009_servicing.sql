-- Host servicing (issue 6): a host being serviced has revoked every VF it
-- handed out (the NICs run on the synthetic path, policy still enforced
-- there) until its servicing completes; it gets no new VMs meanwhile.
ALTER TABLE hosts ADD COLUMN servicing boolean NOT NULL DEFAULT false;
ALTER TABLE hosts ADD COLUMN servicing_changed_at timestamptz;

-- The accelerated state of a NIC with a VF: Active (the guest has the VF) or
-- Fallback (revoked during servicing), and when it last changed.
ALTER TABLE network_interfaces ADD COLUMN vf_state text CHECK (vf_state IN ('Active', 'Fallback'));
ALTER TABLE network_interfaces ADD COLUMN vf_state_changed_at timestamptz;
UPDATE network_interfaces SET vf_state = 'Active', vf_state_changed_at = updated_at
    WHERE vf_index IS NOT NULL;
