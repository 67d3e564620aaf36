/* Unit tests for the pure parts of VMs and the operation engine: the VM
 * action state machine (api/vm_state.h), the policy handed to agents
 * (service/vmpolicy.h, checked with the agent's own parser), and the retry
 * schedule of operations (service/ops.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "api/vm_state.h"
#include "common/nsg_rule.h"
#include "service/ops.h"
#include "service/vmpolicy.h"

/* --- the state machine ------------------------------------------------------------ */

static void test_state_actions(void **state)
{
    (void)state;
    static const struct {
        enum vm_action action;
        const char *provisioning, *power, *active;
        enum vm_decision decision;
        const char *new_provisioning, *new_power;
    } cases[] = {
        /* delete: always, whatever the state, unless another operation runs */
        {VM_ACT_DELETE, "Succeeded", "running", NULL, VM_DECIDE_START_OP, "Deleting", NULL},
        {VM_ACT_DELETE, "Failed", "deallocated", NULL, VM_DECIDE_START_OP, "Deleting", NULL},
        {VM_ACT_DELETE, "Succeeded", "deallocated", NULL, VM_DECIDE_START_OP, "Deleting", NULL},
        {VM_ACT_DELETE, "Deleting", "running", "vm.delete", VM_DECIDE_SAME_OP, NULL, NULL},
        {VM_ACT_DELETE, "Creating", "starting", "vm.create", VM_DECIDE_BUSY, NULL, NULL},
        /* deallocate */
        {VM_ACT_DEALLOCATE, "Succeeded", "running", NULL, VM_DECIDE_START_OP, "Updating",
         "deallocating"},
        {VM_ACT_DEALLOCATE, "Succeeded", "deallocated", NULL, VM_DECIDE_ALREADY_DONE, NULL, NULL},
        {VM_ACT_DEALLOCATE, "Failed", "deallocated", NULL, VM_DECIDE_NOT_ALLOWED, NULL, NULL},
        {VM_ACT_DEALLOCATE, "Updating", "deallocating", "vm.deallocate", VM_DECIDE_SAME_OP, NULL,
         NULL},
        {VM_ACT_DEALLOCATE, "Updating", "starting", "vm.start", VM_DECIDE_BUSY, NULL, NULL},
        /* start */
        {VM_ACT_START, "Succeeded", "deallocated", NULL, VM_DECIDE_START_OP, "Updating",
         "starting"},
        {VM_ACT_START, "Succeeded", "running", NULL, VM_DECIDE_ALREADY_DONE, NULL, NULL},
        {VM_ACT_START, "Failed", "deallocated", NULL, VM_DECIDE_NOT_ALLOWED, NULL, NULL},
        {VM_ACT_START, "Creating", "starting", "vm.create", VM_DECIDE_BUSY, NULL, NULL},
        {VM_ACT_START, "Deleting", "running", "vm.delete", VM_DECIDE_BUSY, NULL, NULL},
    };
    static const char *const kinds[] = {"vm.delete", "vm.deallocate", "vm.start"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vm_transition t;
        vm_state_action(cases[i].action, cases[i].provisioning, cases[i].power, cases[i].active,
                        &t);
        if (t.decision != cases[i].decision)
            fail_msg("case %zu: decision %d, expected %d", i, t.decision, cases[i].decision);
        assert_string_equal(t.kind, kinds[cases[i].action]);
        if (cases[i].new_provisioning)
            assert_string_equal(t.provisioning, cases[i].new_provisioning);
        else
            assert_null(t.provisioning);
        if (cases[i].new_power)
            assert_string_equal(t.power, cases[i].new_power);
        else
            assert_null(t.power);
    }
}

/* --- the policy ---------------------------------------------------------------------- */

static void parse_rule(const char *name, const char *props, struct nsgrule *r)
{
    json_t *j = json_loads(props, 0, NULL);
    struct err e = {0};
    assert_non_null(j);
    if (nsgrule_parse(j, "p", r, &e) != 0)
        fail_msg("rule %s: %s", name, e.ndetails ? e.details[0].message : "?");
    r->name = strdup(name);
    json_decref(j);
    err_clear(&e);
}

#define RULE(prio, dir, access, src, port)                                                   \
    "{\"priority\":" #prio ",\"direction\":\"" dir "\",\"access\":\"" access                 \
    "\",\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"" src "\",\"sourcePortRange\":\"*\"," \
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"" port "\"}"

/* The policy passes the agent's own validation (every stage, default rules,
 * one priority per stage and direction). */
static void expect_agent_accepts(json_t *rules)
{
    json_t *body = json_pack("{s:i, s:O}", "generation", 7, "rules", rules);
    long long gen = 0;
    json_t *canon = NULL;
    struct err e = {0};
    if (proto_parse_policy(body, &gen, &canon, &e) != 0)
        fail_msg("the agent refuses the policy: %s %s", e.message ? e.message : "",
                 e.ndetails ? e.details[0].message : "");
    assert_int_equal(gen, 7);
    json_decref(canon);
    json_decref(body);
    err_clear(&e);
}

static void test_policy_two_stages(void **state)
{
    (void)state;
    struct nsgrule sub[2] = {0}, nic[2] = {0};
    /* Given out of order: sorted by direction, then priority. */
    parse_rule("deny-telnet", RULE(300, "Inbound", "Deny", "Internet", "23"), &sub[0]);
    parse_rule("out-web", RULE(100, "Outbound", "Allow", "10.0.0.0/24", "443"), &sub[1]);
    parse_rule("rdp", RULE(200, "Inbound", "Allow", "*", "3389"), &nic[0]);
    parse_rule("ssh", RULE(100, "Inbound", "Allow", "VirtualNetwork", "22"), &nic[1]);
    json_t *rules = vmpolicy_rules(1, sub, 2, 1, nic, 2);
    /* 2 + 6 defaults per stage. */
    assert_int_equal(json_array_size(rules), 16);
    static const char *const want[] = {
        "subnet/deny-telnet/300",
        "subnet/AllowVnetInBound/65000",
        "subnet/AllowAzureLoadBalancerInBound/65001",
        "subnet/DenyAllInBound/65500",
        "subnet/out-web/100",
        "subnet/AllowVnetOutBound/65000",
        "subnet/AllowInternetOutBound/65001",
        "subnet/DenyAllOutBound/65500",
        "nic/ssh/100",
        "nic/rdp/200",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        json_t *r = json_array_get(rules, i);
        char got[128];
        snprintf(got, sizeof got, "%s/%s/%lld", json_string_value(json_object_get(r, "stage")),
                 json_string_value(json_object_get(r, "name")),
                 json_integer_value(json_object_get(r, "priority")));
        assert_string_equal(got, want[i]);
    }
    /* The protocol's member names and canonical values. */
    json_t *ssh = json_array_get(rules, 8);
    assert_string_equal(json_string_value(json_object_get(ssh, "direction")), "Inbound");
    assert_string_equal(json_string_value(json_object_get(ssh, "access")), "Allow");
    assert_string_equal(json_string_value(json_object_get(ssh, "protocol")), "Tcp");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(ssh, "sourceAddressPrefixes"), 0)),
        "VirtualNetwork");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(ssh, "destinationPortRanges"), 0)), "22");
    assert_int_equal(json_object_size(ssh), 10);
    expect_agent_accepts(rules);
    json_decref(rules);
    for (int i = 0; i < 2; i++) {
        nsgrule_free(&sub[i]);
        nsgrule_free(&nic[i]);
    }
}

static void test_policy_stages_without_group(void **state)
{
    (void)state;
    struct nsgrule nic[1] = {0};
    /* No NSG anywhere: no rules at all (nothing filtered, as in Azure). */
    json_t *rules = vmpolicy_rules(0, NULL, 0, 0, NULL, 0);
    assert_int_equal(json_array_size(rules), 0);
    expect_agent_accepts(rules);
    json_decref(rules);
    /* A group without rules of its own: its default rules. */
    rules = vmpolicy_rules(1, NULL, 0, 0, NULL, 0);
    assert_int_equal(json_array_size(rules), 6);
    expect_agent_accepts(rules);
    json_decref(rules);
    /* Only the NIC's group. */
    parse_rule("web", RULE(150, "Inbound", "Allow", "*", "80-81"), &nic[0]);
    rules = vmpolicy_rules(0, NULL, 0, 1, nic, 1);
    assert_int_equal(json_array_size(rules), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0), "stage")),
                        "nic");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_array_get(rules, 0), "destinationPortRanges"), 0)),
                        "80-81");
    expect_agent_accepts(rules);
    json_decref(rules);
    nsgrule_free(&nic[0]);
}

/* --- the retry schedule ------------------------------------------------------------------ */

static void test_retry_delay(void **state)
{
    (void)state;
    unsigned long prev_max = 0;
    for (int attempts = 0; attempts < 40; attempts++) {
        unsigned long lo = ops_retry_delay_ms(attempts, 0);
        unsigned long hi = ops_retry_delay_ms(attempts, UINT32_MAX);
        assert_true(lo >= 250 && hi <= 30000);
        assert_true(lo <= hi);
        assert_true(hi >= prev_max || hi == 30000 || hi >= 15000);
        prev_max = hi;
    }
    assert_true(ops_retry_delay_ms(1, 0) <= 500);
    assert_true(ops_retry_delay_ms(30, 0) >= 15000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_actions),
        cmocka_unit_test(test_policy_two_stages),
        cmocka_unit_test(test_policy_stages_without_group),
        cmocka_unit_test(test_retry_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
