/* vmwork — what the operation workers (service/ops.h) do for each kind of
 * operation. Every step is idempotent and recorded, so a worker that takes an
 * operation over (after a crash, or from another accelnetd) continues it:
 *
 * vm.create, vm.start
 *   ""        place the VM and claim its capacity (sched_place), in one
 *             transaction with the step → "placed" (or Failed with
 *             AllocationFailed: nothing to undo);
 *   "placed"  for each accelerated NIC: compute its policy (subnet and NIC
 *             NSGs, default rules, a new generation), attach a VF on the
 *             host's agent (idempotent by NIC id), record the VF on the NIC;
 *             then the VM is Succeeded/running;
 *   "undo"    any failure: detach every accelerated NIC on the host (a detach
 *             the agent does not confirm becomes a vf.release operation that
 *             keeps that VF claimed until it does), release the claim, and for
 *             a create detach the NICs from the VM; Failed with the code.
 * vm.delete, vm.deallocate
 *             detach the VFs (as in undo), release the claim, then delete the
 *             VM (its NICs stay, detached) or mark it deallocated.
 * vf.release  detach one NIC on one host until the agent confirms, then
 *             release that VF.
 * rg.delete   delete the group's VMs (one vm.delete each, waited for), then
 *             in one transaction its NICs, virtual networks, network security
 *             groups and the group itself.
 */
#ifndef ACCELNET_SERVICE_VMWORK_H
#define ACCELNET_SERVICE_VMWORK_H

#include "service/ops.h"

/* The ops_run_fn of accelnetd. */
enum ops_result vmwork_run(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms);

/* The advisory-lock key of a VM (arm_lock_key of Microsoft.Compute/
 * virtualMachines): the API's writes and the workers' take it. Caller frees. */
char *vmwork_vm_lock_key(const char *sub, const char *rg, const char *name);

#endif
