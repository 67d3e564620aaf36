-- Policy propagation (issue 6): the generation each NIC's VF should have
-- (vf_policy_generation, bumped in the transaction of every NSG change that
-- reaches the NIC) and the one its host's agent acknowledged.
ALTER TABLE network_interfaces ADD COLUMN vf_policy_acked bigint;
UPDATE network_interfaces SET vf_policy_acked = vf_policy_generation;

ALTER TABLE operations DROP CONSTRAINT operations_kind_check;
ALTER TABLE operations ADD CONSTRAINT operations_kind_check
    CHECK (kind IN ('vm.create', 'vm.delete', 'vm.deallocate', 'vm.start', 'rg.delete',
                    'vf.release', 'policy.push'));
