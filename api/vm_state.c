#include "api/vm_state.h"

#include <string.h>

static const char *const vm_state_kinds[] = {"vm.delete", "vm.deallocate", "vm.start"};

void vm_state_action(enum vm_action action, const char *provisioning, const char *power,
                     const char *active_kind, struct vm_transition *out)
{
    out->kind = vm_state_kinds[action];
    out->provisioning = NULL;
    out->power = NULL;
    if (active_kind) {
        out->decision = strcmp(active_kind, out->kind) == 0 ? VM_DECIDE_SAME_OP : VM_DECIDE_BUSY;
        return;
    }
    switch (action) {
    case VM_ACT_DELETE:
        out->decision = VM_DECIDE_START_OP;
        out->provisioning = "Deleting";
        return;
    case VM_ACT_DEALLOCATE:
    case VM_ACT_START:
        break;
    }
    if (strcmp(provisioning, "Failed") == 0) {
        out->decision = VM_DECIDE_NOT_ALLOWED;
        return;
    }
    const char *done = action == VM_ACT_START ? "running" : "deallocated";
    if (strcmp(power, done) == 0) {
        out->decision = VM_DECIDE_ALREADY_DONE;
        return;
    }
    out->decision = VM_DECIDE_START_OP;
    out->provisioning = "Updating";
    out->power = action == VM_ACT_START ? "starting" : "deallocating";
}
