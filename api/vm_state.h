/* vm_state — the VM state machine of the actions that start an operation
 * (DELETE, POST deallocate, POST start): from the VM's provisioning and power
 * states and the operation already running on it (if any), what the request
 * does. Pure, for tests; api/virtual_machine.c applies it under the VM's
 * lock.
 *
 *   provisioning  Creating --(vm.create)--> Succeeded | Failed
 *                 Succeeded --(deallocate, start)--> Updating --> Succeeded | Failed
 *                 any --(delete)--> Deleting --> (gone)
 *   power         starting --> running --(deallocate)--> deallocating --> deallocated
 *                 deallocated --(start)--> starting --> running
 *
 * One operation at a time per VM: a request for the operation that is
 * already running answers with it (a repeated DELETE is harmless); another
 * one waits (429 RetryableErrorDueToAnotherOperation). */
#ifndef ACCELNET_API_VM_STATE_H
#define ACCELNET_API_VM_STATE_H

enum vm_action { VM_ACT_DELETE, VM_ACT_DEALLOCATE, VM_ACT_START };

enum vm_decision {
    VM_DECIDE_START_OP,     /* a new operation; the VM takes the states below */
    VM_DECIDE_ALREADY_DONE, /* nothing to do: an operation that has already succeeded */
    VM_DECIDE_SAME_OP,      /* that very operation is running: answer with it */
    VM_DECIDE_BUSY,         /* another operation is running */
    VM_DECIDE_NOT_ALLOWED,  /* not in this state (a VM whose creation failed) */
};

struct vm_transition {
    enum vm_decision decision;
    const char *kind;         /* the operation's kind ("vm.delete", ...) */
    const char *provisioning; /* START_OP: the new provisioning state */
    const char *power;        /* START_OP: the new power state (NULL: unchanged) */
};

/* active_kind: the kind of the operation running on the VM, or NULL. */
void vm_state_action(enum vm_action action, const char *provisioning, const char *power,
                     const char *active_kind, struct vm_transition *out);

#endif
