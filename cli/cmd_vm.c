/* vm create|show|list|delete|deallocate|start —
 * .../providers/Microsoft.Compute/virtualMachines[/{name}[/deallocate|/start]]
 * (api/virtual_machine.c), and the waiting of the long-running ones.
 *
 * create, delete, deallocate and start are long-running: the service answers
 * at once with Azure-AsyncOperation, the URL of the operation's status. The
 * command polls it (as often as Retry-After says), shows the status and the
 * elapsed time on stderr (redrawn in place on a terminal, a line per change
 * otherwise) until it is Succeeded or Failed. A failed operation prints its
 * error code and message and exits 4 for a refusal (AllocationFailed,
 * NoFreeVirtualFunction, ...) or 1 for the service's own failure
 * (clireq_op_exit_code). --no-wait prints the operation as it is at once.
 *
 * The operation URL is absolute, built by the service from the Host it was
 * asked with; only its path is used, asked of the configured service, so the
 * token never goes anywhere else. */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/util.h"

#define COMPUTE "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute"

/* Poll interval bounds (Retry-After is honoured within them). */
#define VM_POLL_DEFAULT_MS 2000
#define VM_POLL_MIN_MS     500
#define VM_POLL_MAX_MS     60000
/* Without a terminal, a progress line at least this often. */
#define VM_PLAIN_EVERY_MS 10000

static char *vm_uri(const char *sub, const char *rg, const char *name, const char *action)
{
    return action ? clireq_uri(COMPUTE "/virtualMachines/%s/%s", sub, rg, name, action)
                  : clireq_uri(COMPUTE "/virtualMachines/%s", sub, rg, name);
}

/* --- waiting -------------------------------------------------------------------------- */

struct vm_wait {
    struct cli_ctx *c;
    const char *path;
    int tty;
    int drawn;            /* a line is on the terminal without its newline */
    long long last_plain; /* when the last plain line was printed */
};

static long long mono_ms(void *arg)
{
    struct timespec ts;
    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(void *arg, long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    (void)arg;
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int poll_op(void *arg, json_t **op, char **retry_after)
{
    struct vm_wait *w = arg;
    struct clihttp_response rp;
    *retry_after = NULL;
    if (w->drawn && w->c->debug) { /* --debug output goes below the progress line */
        fputc('\n', w->c->err);
        w->drawn = 0;
    }
    int rc = cli_call_rp(w->c, "GET", w->path, NULL, CLI_CALL_RAW_URI, &rp, op);
    if (rc == 0) {
        const char *ra = clihttp_header(&rp, "Retry-After");
        *retry_after = ra ? util_xstrdup(ra) : NULL;
    }
    clihttp_response_free(&rp);
    return rc;
}

static void progress(void *arg, const char *line, int changed)
{
    struct vm_wait *w = arg;
    if (w->tty) {
        fprintf(w->c->err, "\r%s\033[K", line);
        w->drawn = 1;
    } else {
        long long now = mono_ms(NULL);
        if (changed || now - w->last_plain >= VM_PLAIN_EVERY_MS) {
            fprintf(w->c->err, "%s\n", line);
            w->last_plain = now;
        }
    }
    fflush(w->c->err);
}

/* Waits for the operation at op_url (absolute or a path) or, with
 * --no-wait, prints it. 0 when it Succeeded (or was only printed: *printed
 * set), else an exit code after printing why. */
int cli_wait_op(struct cli_ctx *c, const char *op_url, const char *what, int *printed)
{
    char *path = clireq_op_path(op_url), *why = NULL;
    json_t *op = NULL;
    int rc;
    *printed = 0;
    if (!path)
        return cli_error(c, "the service sent an operation URL without a path: '%s'", op_url);
    if (cli_command_has_flag(c->args->cmd, "no-wait") && cli_arg_given(c->args, "no-wait")) {
        rc = cli_call(c, "GET", path, NULL, CLI_CALL_RAW_URI, NULL, &op);
        if (rc == 0)
            cli_emit(c, op);
        *printed = 1;
        json_decref(op);
        free(path);
        return rc;
    }
    struct vm_wait w = {.c = c, .path = path, .tty = isatty(fileno(c->err))};
    struct clireq_waiter waiter = {.poll = poll_op,
                                   .sleep_ms = sleep_ms,
                                   .now_ms = mono_ms,
                                   .progress = progress,
                                   .arg = &w,
                                   .what = what,
                                   .default_ms = VM_POLL_DEFAULT_MS,
                                   .min_ms = VM_POLL_MIN_MS,
                                   .max_ms = VM_POLL_MAX_MS};
    rc = clireq_wait(&waiter, &op, &why);
    if (w.drawn)
        fputc('\n', c->err);
    if (rc == CLIREQ_WAIT_FAILED) {
        const char *code, *message;
        clireq_op_state(op, &code, &message);
        fprintf(
            c->err, "ERROR: (%s) %s\nOperation: %s\n", *code ? code : "OperationFailed", message,
            json_is_string(json_object_get(op, "id")) ? json_string_value(json_object_get(op, "id"))
                                                      : path);
        rc = clireq_op_exit_code(code);
    } else if (rc != 0 && why) {
        cli_error(c, "%s", why);
    }
    json_decref(op);
    free(why);
    free(path);
    return rc;
}

/* --- show ----------------------------------------------------------------------------- */

/* vm with each NIC's enableAcceleratedNetworking and virtualFunction (read
 * from the NIC) added to its networkInterfaces entry. A NIC that cannot be
 * read is left as it is, with a warning. */
static void vm_add_nics(struct cli_ctx *c, json_t *vm)
{
    size_t i;
    json_t *n;
    json_array_foreach(
        json_object_get(json_object_get(json_object_get(vm, "properties"), "networkProfile"),
                        "networkInterfaces"),
        i, n)
    {
        const char *id = json_string_value(json_object_get(n, "id"));
        json_t *nic = NULL;
        if (!id || cli_get_optional(c, id, &nic) != 0 || !nic) {
            cli_warn(c, "cannot read network interface %s", id ? id : "(no id)");
            continue;
        }
        json_t *np = json_object_get(nic, "properties");
        json_t *props = json_object_get(n, "properties");
        if (!json_is_object(props)) {
            props = json_object();
            json_object_set_new(n, "properties", props);
        }
        json_t *an = json_object_get(np, "enableAcceleratedNetworking");
        if (an)
            json_object_set(props, "enableAcceleratedNetworking", an);
        json_t *vf = json_object_get(np, "virtualFunction");
        if (vf)
            json_object_set(props, "virtualFunction", vf);
        json_decref(nic);
    }
}

static int vm_show_uri(struct cli_ctx *c, const char *uri)
{
    json_t *vm = NULL;
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &vm);
    if (rc == 0) {
        vm_add_nics(c, vm);
        cli_emit_view(c, vm, cliview_vm_nics);
    }
    json_decref(vm);
    return rc;
}

int cli_vm_show(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = vm_uri(sub, rg, cli_arg(c->args, "name"), NULL);
    rc = vm_show_uri(c, uri);
    free(uri);
    return rc;
}

int cli_vm_list(struct cli_ctx *c)
{
    const char *sub, *rg = c->resource_group.value;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri =
        rg ? clireq_uri(COMPUTE "/virtualMachines", sub, rg)
           : clireq_uri("/subscriptions/%s/providers/Microsoft.Compute/virtualMachines", sub);
    rc = cli_list_show(c, uri, cliview_vms);
    free(uri);
    return rc;
}

/* --- create --------------------------------------------------------------------------- */

/* --admin-password: the value, or with "-" one line read from stdin (with
 * the terminal's echo off and a prompt on stderr when stdin is one). NULL
 * when not given; *rc set on failure. Owned. */
static char *admin_password(struct cli_ctx *c, int *rc)
{
    const char *v = cli_arg(c->args, "admin-password");
    *rc = 0;
    if (!v)
        return NULL;
    if (strcmp(v, "-") != 0)
        return util_xstrdup(v);
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs("Admin password: ", c->err);
        fflush(c->err);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', c->err);
    }
    if (n < 0) {
        free(line);
        *rc = cli_usage_error(c, "--admin-password -: nothing could be read from stdin");
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

int cli_vm_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    const char *name = cli_arg(p, "name");
    json_t *tags = NULL, *body = NULL, *out = NULL;
    struct clireq_image im = {0};
    char *err = NULL, *uri = NULL, *location = NULL, *password = NULL, *what = NULL;
    char **ids = NULL;
    size_t nnics = 0;
    struct clihttp_response rp = {0};
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    if (clireq_image_parse(cli_arg(p, "image"), &im, &err) != 0) {
        rc = cli_usage_error(c, "argument --image: %s", err);
        goto out;
    }
    const char *const *nics = cli_arg_list(p, "nics", &nnics);
    ids = calloc(nnics ? nnics : 1, sizeof(*ids));
    for (size_t i = 0; i < nnics; i++)
        ids[i] = clireq_net_id(sub, rg, "networkInterfaces", nics[i]);
    password = admin_password(c, &rc);
    if (rc != 0)
        goto out;
    if ((rc = cli_location(c, sub, rg, &location)) != 0)
        goto out;
    struct clireq_vm_args a = {.location = location,
                               .vm_size = cli_arg(p, "size"),
                               .image = &im,
                               .admin_username = cli_arg(p, "admin-username"),
                               .admin_password = password,
                               .nic_ids = (const char *const *)ids,
                               .nnics = nnics,
                               .tags = tags};
    body = clireq_vm_body(name, &a, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    uri = vm_uri(sub, rg, name, NULL);
    rc = cli_call_rp(c, "PUT", uri, body, 0, &rp, &out);
    if (rc != 0)
        goto out;
    const char *op_url = clihttp_header(&rp, "Azure-AsyncOperation");
    int printed = 0;
    if (op_url) {
        what = util_asprintf("Creating %s", name);
        rc = cli_wait_op(c, op_url, what, &printed);
    } else if (cli_arg_given(p, "no-wait")) {
        /* Nothing to wait for (an identical PUT changes nothing). */
        cli_emit_view(c, out, cliview_vms);
        printed = 1;
    }
    if (rc == 0 && !printed)
        rc = vm_show_uri(c, uri);
out:
    if (password) {
        sodium_memzero(password, strlen(password));
        free(password);
    }
    for (size_t i = 0; ids && i < nnics; i++)
        free(ids[i]);
    free(ids);
    clihttp_response_free(&rp);
    clireq_image_free(&im);
    free(err);
    free(uri);
    free(location);
    free(what);
    json_decref(tags);
    json_decref(body);
    json_decref(out);
    return rc;
}

/* --- delete, deallocate, start --------------------------------------------------------- */

static int vm_action(struct cli_ctx *c, const char *method, const char *action, const char *doing)
{
    const char *sub, *rg, *name = cli_arg(c->args, "name");
    json_t *out = NULL;
    struct clihttp_response rp = {0};
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = vm_uri(sub, rg, name, action), *what = NULL;
    rc = cli_call_rp(c, method, uri, NULL, 0, &rp, &out);
    if (rc == 0 && rp.status == 204) {
        cli_warn(c, "there is no virtual machine '%s' in resource group '%s': nothing was deleted",
                 name, rg);
    } else if (rc == 0) {
        const char *op_url = clihttp_header(&rp, "Azure-AsyncOperation");
        int printed;
        what = util_asprintf("%s %s", doing, name);
        if (op_url)
            rc = cli_wait_op(c, op_url, what, &printed);
        else
            cli_emit(c, out);
    }
    clihttp_response_free(&rp);
    json_decref(out);
    free(what);
    free(uri);
    return rc;
}

int cli_vm_delete(struct cli_ctx *c)
{
    return vm_action(c, "DELETE", NULL, "Deleting");
}

int cli_vm_deallocate(struct cli_ctx *c)
{
    return vm_action(c, "POST", "deallocate", "Deallocating");
}

int cli_vm_start(struct cli_ctx *c)
{
    return vm_action(c, "POST", "start", "Starting");
}

/* --- nic add ------------------------------------------------------------------------- */

/* vm nic add: the VM's NICs and the new ones, sent as a PATCH of
 * networkProfile (az vm nic add). The service decides: an accelerated NIC
 * can only be attached when the VM is created
 * (AcceleratedNicCanOnlyBeAttachedAtVmCreation), and other NIC changes need
 * a deallocated VM; refusals are shown as they come, exit 4. */
int cli_vm_nic_add(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    const char *sub, *rg, *name = cli_arg(p, "vm-name");
    json_t *vm = NULL, *out = NULL, *body = NULL;
    struct clihttp_response rp = {0};
    char *uri = NULL, *what = NULL;
    size_t nnics = 0;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    uri = vm_uri(sub, rg, name, NULL);
    if ((rc = cli_call(c, "GET", uri, NULL, 0, NULL, &vm)) != 0)
        goto out;
    json_t *list = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(
        json_object_get(json_object_get(json_object_get(vm, "properties"), "networkProfile"),
                        "networkInterfaces"),
        i, n)
    {
        json_t *props = json_object_get(n, "properties");
        json_t *primary = json_object_get(props, "primary");
        json_array_append_new(list, json_pack("{s:O, s:{s:b}}", "id", json_object_get(n, "id"),
                                              "properties", "primary", json_is_true(primary)));
    }
    const char *const *nics = cli_arg_list(p, "nics", &nnics);
    for (size_t k = 0; k < nnics; k++) {
        char *id = clireq_net_id(sub, rg, "networkInterfaces", nics[k]);
        json_array_append_new(list,
                              json_pack("{s:s, s:{s:b}}", "id", id, "properties", "primary", 0));
        free(id);
    }
    body = json_pack("{s:{s:{s:o}}}", "properties", "networkProfile", "networkInterfaces", list);
    if ((rc = cli_call_rp(c, "PATCH", uri, body, 0, &rp, &out)) != 0)
        goto out;
    const char *op_url = clihttp_header(&rp, "Azure-AsyncOperation");
    int printed = 0;
    if (op_url) {
        what = util_asprintf("Updating %s", name);
        rc = cli_wait_op(c, op_url, what, &printed);
    }
    if (rc == 0 && !printed)
        rc = vm_show_uri(c, uri);
out:
    clihttp_response_free(&rp);
    json_decref(vm);
    json_decref(out);
    json_decref(body);
    free(uri);
    free(what);
    return rc;
}
