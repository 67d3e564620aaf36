/* Unit tests for the VM half of cli/req.h (cli/req_vm.c) and the VM views:
 * the vm create body, the operation URL's path, Retry-After, an operation's
 * state, the exit code of a failed one, the waiting loop (status
 * transitions, Retry-After, failure, a bad answer, a poll's error, the
 * time-out) driven by a scripted poll, and the -o table views. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/req.h"
#include "cli/view.h"
#include "common/util.h"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v)
        fail_msg("bad test JSON: %s (%s)", e.text, text);
    return v;
}

static void expect_json(const json_t *v, const char *want)
{
    json_t *w = parse(want);
    if (!json_equal(v, w)) {
        char *got = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        fail_msg("expected %s, got %s", want, got ? got : "NULL");
    }
    json_decref(w);
}

#define NIC_ID(n)                                                                       \
    "/subscriptions/7c9e6679-7425-40de-944b-e07fc1f90ae7/resourceGroups/rg1/providers/" \
    "Microsoft.Network/networkInterfaces/" n

static void test_vm_body(void **state)
{
    (void)state;
    struct clireq_image im = {0};
    char *err = NULL;
    assert_int_equal(clireq_image_parse("MicrosoftWindowsServer:WindowsServer:2016-TP5", &im, &err),
                     0);
    const char *nics[] = {NIC_ID("nic1"), NIC_ID("nic2")};
    json_t *tags = parse("{\"env\":\"test\"}");
    struct clireq_vm_args a = {.location = "westeurope",
                               .vm_size = "Standard_DS15_v2",
                               .image = &im,
                               .admin_username = "azureuser",
                               .admin_password = "S3cret!pass",
                               .nic_ids = nics,
                               .nnics = 2,
                               .tags = tags};
    json_t *b = clireq_vm_body("vm1", &a, &err);
    expect_json(
        b, "{\"location\":\"westeurope\",\"tags\":{\"env\":\"test\"},\"properties\":{"
           "\"hardwareProfile\":{\"vmSize\":\"Standard_DS15_v2\"},\"storageProfile\":{"
           "\"imageReference\":{\"publisher\":\"MicrosoftWindowsServer\",\"offer\":"
           "\"WindowsServer\",\"sku\":\"2016-TP5\"}},\"osProfile\":{\"computerName\":"
           "\"vm1\",\"adminUsername\":\"azureuser\",\"adminPassword\":\"S3cret!pass\"},"
           "\"networkProfile\":{\"networkInterfaces\":[{\"id\":\"" NIC_ID(
               "nic1") "\",\"properties\":{\"primary\":true}},{\"id\":\"" NIC_ID("nic2") "\","
                                                                                         "\"propert"
                                                                                         "ies\":{"
                                                                                         "\"primary"
                                                                                         "\":false}"
                                                                                         "}]}}}");
    json_decref(b);
    clireq_image_free(&im);
    /* A version; no password, no tags. */
    assert_int_equal(clireq_image_parse("Canonical:UbuntuServer:16.04-LTS:latest", &im, &err), 0);
    a = (struct clireq_vm_args){.location = "westeurope",
                                .vm_size = "Standard_DS3_v2",
                                .image = &im,
                                .admin_username = "u",
                                .nic_ids = nics,
                                .nnics = 1};
    b = clireq_vm_body("vm2", &a, &err);
    json_t *props = json_object_get(b, "properties");
    expect_json(json_object_get(json_object_get(props, "storageProfile"), "imageReference"),
                "{\"publisher\":\"Canonical\",\"offer\":\"UbuntuServer\",\"sku\":\"16.04-LTS\","
                "\"version\":\"latest\"}");
    assert_null(json_object_get(json_object_get(props, "osProfile"), "adminPassword"));
    expect_json(json_object_get(b, "tags"), "{}");
    json_decref(b);
    /* No NIC: refused here. */
    a.nnics = 0;
    assert_null(clireq_vm_body("vm3", &a, &err));
    assert_non_null(strstr(err, "--nics"));
    free(err);
    clireq_image_free(&im);
    json_decref(tags);
}

static void test_op_path(void **state)
{
    (void)state;
    char *p = clireq_op_path("https://127.0.0.1:8443/subscriptions/s/providers/Microsoft.Compute/"
                             "locations/westeurope/operations/abc?api-version=2016-09-01");
    assert_string_equal(p, "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/"
                           "operations/abc?api-version=2016-09-01");
    free(p);
    /* Another host's URL: only the path is kept (asked of the configured service). */
    p = clireq_op_path("http://evil.example/x/y");
    assert_string_equal(p, "/x/y");
    free(p);
    p = clireq_op_path("/already/a/path?q=1");
    assert_string_equal(p, "/already/a/path?q=1");
    free(p);
    assert_null(clireq_op_path("https://host-only"));
    assert_null(clireq_op_path("https://host?x=1"));
    assert_null(clireq_op_path("not a url"));
    assert_null(clireq_op_path(""));
    assert_null(clireq_op_path(NULL));
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_int_equal(clireq_retry_after_ms(NULL, 2000, 500, 60000), 2000);
    assert_int_equal(clireq_retry_after_ms("1", 2000, 500, 60000), 1000);
    assert_int_equal(clireq_retry_after_ms(" 7 ", 2000, 500, 60000), 7000);
    assert_int_equal(clireq_retry_after_ms("0", 2000, 500, 60000), 500);      /* floor */
    assert_int_equal(clireq_retry_after_ms("3600", 2000, 500, 60000), 60000); /* ceiling */
    assert_int_equal(clireq_retry_after_ms("99999999999999999999", 2000, 500, 60000), 60000);
    /* An HTTP date or garbage: the default. */
    assert_int_equal(clireq_retry_after_ms("Wed, 21 Oct 2026 07:28:00 GMT", 2000, 500, 60000),
                     2000);
    assert_int_equal(clireq_retry_after_ms("5s", 2000, 500, 60000), 2000);
    assert_int_equal(clireq_retry_after_ms("-3", 2000, 500, 60000), 2000);
    assert_int_equal(clireq_retry_after_ms("", 2000, 500, 60000), 2000);
}

static void test_op_state_and_exit_code(void **state)
{
    (void)state;
    const char *code, *msg;
    json_t *o = parse("{\"status\":\"InProgress\"}");
    assert_int_equal(clireq_op_state(o, &code, &msg), CLIREQ_OP_RUNNING);
    assert_null(code);
    json_decref(o);
    o = parse("{\"status\":\"Succeeded\"}");
    assert_int_equal(clireq_op_state(o, NULL, NULL), CLIREQ_OP_SUCCEEDED);
    json_decref(o);
    o = parse("{\"status\":\"Failed\",\"error\":{\"code\":\"AllocationFailed\",\"message\":"
              "\"No host.\"}}");
    assert_int_equal(clireq_op_state(o, &code, &msg), CLIREQ_OP_FAILED);
    assert_string_equal(code, "AllocationFailed");
    assert_string_equal(msg, "No host.");
    json_decref(o);
    o = parse("{\"status\":\"Failed\"}");
    assert_int_equal(clireq_op_state(o, &code, &msg), CLIREQ_OP_FAILED);
    assert_string_equal(code, "");
    assert_string_equal(msg, "The operation failed.");
    json_decref(o);
    o = parse("{\"status\":\"Canceled\"}");
    assert_int_equal(clireq_op_state(o, &code, &msg), CLIREQ_OP_FAILED);
    assert_string_equal(code, "Canceled");
    json_decref(o);
    o = parse("{\"name\":\"x\"}");
    assert_int_equal(clireq_op_state(o, &code, &msg), CLIREQ_OP_BAD);
    json_decref(o);
    assert_int_equal(clireq_op_state(NULL, NULL, NULL), CLIREQ_OP_BAD);

    assert_int_equal(clireq_op_exit_code("AllocationFailed"), CLI_EXIT_REFUSED);
    assert_int_equal(clireq_op_exit_code("NoFreeVirtualFunction"), CLI_EXIT_REFUSED);
    assert_int_equal(clireq_op_exit_code("VirtualFunctionAttachFailed"), CLI_EXIT_REFUSED);
    assert_int_equal(clireq_op_exit_code("Canceled"), CLI_EXIT_REFUSED);
    assert_int_equal(clireq_op_exit_code("InternalServerError"), CLI_EXIT_ERROR);
    assert_int_equal(clireq_op_exit_code("HostAgentUnavailable"), CLI_EXIT_ERROR);
    assert_int_equal(clireq_op_exit_code(""), CLI_EXIT_ERROR);
    assert_int_equal(clireq_op_exit_code(NULL), CLI_EXIT_ERROR);

    char *line = clireq_op_progress("Creating vm1", "InProgress", 12345);
    assert_string_equal(line, "Creating vm1: InProgress (12s)");
    free(line);
}

/* --- the waiting loop, scripted ----------------------------------------------------- */

struct script {
    const char *const *answers; /* JSON of each poll, NULL-terminated; "!N": exit code N */
    const char *const *retry_after;
    size_t polls;
    long long now;
    long slept[32];
    size_t nslept;
    char lines[32][96];
    int changed[32];
    size_t nlines;
};

static int s_poll(void *arg, json_t **op, char **ra)
{
    struct script *s = arg;
    const char *a = s->answers[s->polls];
    const char *r = s->retry_after ? s->retry_after[s->polls] : NULL;
    assert_non_null(a); /* polled after the end */
    s->polls++;
    *ra = r ? util_xstrdup(r) : NULL;
    if (a[0] == '!') {
        free(*ra);
        *ra = NULL;
        *op = NULL;
        return atoi(a + 1);
    }
    *op = parse(a);
    s->now += 50; /* a request takes a little time */
    return 0;
}

static void s_sleep(void *arg, long ms)
{
    struct script *s = arg;
    assert_true(s->nslept < 32);
    s->slept[s->nslept++] = ms;
    s->now += ms;
}

static long long s_now(void *arg)
{
    return ((struct script *)arg)->now;
}

static void s_progress(void *arg, const char *line, int changed)
{
    struct script *s = arg;
    assert_true(s->nlines < 32);
    snprintf(s->lines[s->nlines], sizeof s->lines[0], "%s", line);
    s->changed[s->nlines++] = changed;
}

static struct clireq_waiter waiter(struct script *s, long timeout_ms)
{
    return (struct clireq_waiter){.poll = s_poll,
                                  .sleep_ms = s_sleep,
                                  .now_ms = s_now,
                                  .progress = s_progress,
                                  .arg = s,
                                  .what = "Creating vm1",
                                  .default_ms = 2000,
                                  .min_ms = 500,
                                  .max_ms = 60000,
                                  .timeout_ms = timeout_ms};
}

#define IP  "{\"status\":\"InProgress\"}"
#define OK  "{\"status\":\"Succeeded\"}"
#define BAD "{\"status\":\"Failed\",\"error\":{\"code\":\"AllocationFailed\",\"message\":\"m\"}}"

static void test_wait_until_succeeded(void **state)
{
    (void)state;
    static const char *const answers[] = {IP, IP, IP, OK, NULL};
    static const char *const ra[] = {"1", NULL, "3", NULL};
    struct script s = {.answers = answers, .retry_after = ra, .now = 1000000};
    struct clireq_waiter w = waiter(&s, 0);
    json_t *op;
    char *why;
    assert_int_equal(clireq_wait(&w, &op, &why), 0);
    assert_null(op);
    assert_null(why);
    assert_int_equal(s.polls, 4);
    /* Retry-After honoured; the default without one. */
    assert_int_equal(s.nslept, 3);
    assert_int_equal(s.slept[0], 1000);
    assert_int_equal(s.slept[1], 2000);
    assert_int_equal(s.slept[2], 3000);
    /* A line per poll with the elapsed time; changed on the status changes. */
    assert_int_equal(s.nlines, 4);
    assert_string_equal(s.lines[0], "Creating vm1: InProgress (0s)");
    assert_string_equal(s.lines[1], "Creating vm1: InProgress (1s)");
    assert_string_equal(s.lines[2], "Creating vm1: InProgress (3s)");
    assert_string_equal(s.lines[3], "Creating vm1: Succeeded (6s)");
    assert_int_equal(s.changed[0], 1);
    assert_int_equal(s.changed[1], 0);
    assert_int_equal(s.changed[2], 0);
    assert_int_equal(s.changed[3], 1);
}

static void test_wait_already_done_and_failed(void **state)
{
    (void)state;
    /* Done at the first poll: no sleep. */
    static const char *const done[] = {OK, NULL};
    struct script s = {.answers = done};
    struct clireq_waiter w = waiter(&s, 0);
    json_t *op;
    char *why;
    assert_int_equal(clireq_wait(&w, &op, &why), 0);
    assert_int_equal(s.nslept, 0);

    /* Failed: the operation comes back for its error. */
    static const char *const failed[] = {IP, BAD, NULL};
    s = (struct script){.answers = failed};
    w = waiter(&s, 0);
    assert_int_equal(clireq_wait(&w, &op, &why), CLIREQ_WAIT_FAILED);
    assert_non_null(op);
    const char *code, *msg;
    assert_int_equal(clireq_op_state(op, &code, &msg), CLIREQ_OP_FAILED);
    assert_string_equal(code, "AllocationFailed");
    json_decref(op);
    assert_string_equal(s.lines[1], "Creating vm1: Failed (2s)");
    assert_int_equal(s.changed[1], 1);
}

static void test_wait_errors(void **state)
{
    (void)state;
    json_t *op;
    char *why;
    /* A poll's own error (printed by the poll) is the exit code. */
    static const char *const err[] = {IP, "!3", NULL};
    struct script s = {.answers = err};
    struct clireq_waiter w = waiter(&s, 0);
    assert_int_equal(clireq_wait(&w, &op, &why), 3);
    assert_null(op);
    assert_null(why);
    /* Not an operation. */
    static const char *const bad[] = {"{\"value\":[]}", NULL};
    s = (struct script){.answers = bad};
    w = waiter(&s, 0);
    assert_int_equal(clireq_wait(&w, &op, &why), CLI_EXIT_ERROR);
    assert_non_null(strstr(why, "not an operation"));
    free(why);
    /* A time-out: given up before a sleep would pass it. */
    static const char *const slow[] = {IP, IP, IP, IP, IP, IP, IP, IP, NULL};
    s = (struct script){.answers = slow};
    w = waiter(&s, 5000);
    assert_int_equal(clireq_wait(&w, &op, &why), CLI_EXIT_ERROR);
    assert_non_null(strstr(why, "still InProgress"));
    assert_true(s.polls <= 4);
    free(why);
}

/* --- views ------------------------------------------------------------------------------- */

static void expect_table(const json_t *rows, const char *want)
{
    char *out = NULL;
    size_t len;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    cliout_table(f, rows, 0);
    fclose(f);
    if (strcmp(out, want) != 0)
        fail_msg("table is\n%s--- not\n%s", out, want);
    free(out);
}

#define VM_ID                                                                           \
    "/subscriptions/7c9e6679-7425-40de-944b-e07fc1f90ae7/resourceGroups/rg1/providers/" \
    "Microsoft.Compute/virtualMachines/vm1"

static void test_vm_views(void **state)
{
    (void)state;
    json_t *vm = parse(
        "{\"id\":\"" VM_ID "\",\"name\":\"vm1\",\"location\":\"westeurope\",\"properties\":{"
        "\"provisioningState\":\"Succeeded\",\"hardwareProfile\":{\"vmSize\":\"Standard_DS15_v2\"},"
        "\"instanceView\":{\"powerState\":\"running\"},\"networkProfile\":{\"networkInterfaces\":["
        "{\"id\":\"" NIC_ID("nic1") "\",\"properties\":{\"primary\":true,"
                                    "\"enableAcceleratedNetworking\":true,\"virtualFunction\":{"
                                    "\"host\":\"h1\",\"pf\":\"pf0\","
                                    "\"vfIndex\":2,\"pciAddress\":\"0000:03:00.3\",\"driver\":"
                                    "\"mlx4_core\",\"guestDriver\":"
                                    "\"Mellanox ConnectX-3 Virtual Function Ethernet Adapter\"}}},"
                                    "{\"id\":\"" NIC_ID(
                                        "nic2") "\",\"properties\":{\"primary\":false,"
                                                "\"enableAcceleratedNetworking\":false}}]}}}");
    json_t *vm2 = parse("{\"id\":\"/subscriptions/s/resourceGroups/rg2/providers/"
                        "Microsoft.Compute/virtualMachines/vm2\",\"name\":\"vm2\",\"location\":"
                        "\"westeurope\",\"properties\":{\"provisioningState\":\"Failed\","
                        "\"hardwareProfile\":{\"vmSize\":\"Standard_DS3_v2\"},\"instanceView\":{"
                        "\"statuses\":[{\"code\":\"PowerState/deallocated\"}]}}}");
    json_t *list = json_pack("{s:[O,O]}", "value", vm, vm2);
    json_t *rows = cliview_vms(list);
    expect_table(rows, "Name  ResourceGroup  Location    VmSize            PowerState   "
                       "ProvisioningState\n"
                       "----  -------------  ----------  ----------------  -----------  "
                       "-----------------\n"
                       "vm1   rg1            westeurope  Standard_DS15_v2  running      Succeeded\n"
                       "vm2   rg2            westeurope  Standard_DS3_v2   deallocated  Failed\n");
    json_decref(rows);
    rows = cliview_vm_nics(vm);
    assert_int_equal(json_array_size(rows), 2);
    json_t *r0 = json_array_get(rows, 0), *r1 = json_array_get(rows, 1);
    assert_string_equal(json_string_value(json_object_get(r0, "nic")), "nic1");
    assert_string_equal(json_string_value(json_object_get(r0, "host")), "h1");
    assert_string_equal(json_string_value(json_object_get(r0, "pf")), "pf0");
    assert_int_equal(json_integer_value(json_object_get(r0, "vfIndex")), 2);
    assert_string_equal(json_string_value(json_object_get(r0, "pciAddress")), "0000:03:00.3");
    assert_string_equal(json_string_value(json_object_get(r0, "guestDriver")),
                        "Mellanox ConnectX-3 Virtual Function Ethernet Adapter");
    assert_string_equal(json_string_value(json_object_get(r0, "powerState")), "running");
    assert_string_equal(json_string_value(json_object_get(r1, "nic")), "nic2");
    assert_string_equal(json_string_value(json_object_get(r1, "host")), "");
    assert_string_equal(json_string_value(json_object_get(r1, "vfIndex")), "");
    assert_true(json_is_false(json_object_get(r1, "acceleratedNetworking")));
    json_decref(rows);
    json_decref(list);
    json_decref(vm);
    json_decref(vm2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_body),
        cmocka_unit_test(test_op_path),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_op_state_and_exit_code),
        cmocka_unit_test(test_wait_until_succeeded),
        cmocka_unit_test(test_wait_already_done_and_failed),
        cmocka_unit_test(test_wait_errors),
        cmocka_unit_test(test_vm_views),
    };
    return cmocka_run_group_tests_name("cli/vm", tests, NULL, NULL);
}
