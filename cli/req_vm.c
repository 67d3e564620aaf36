/* req_vm — the virtual machine half of cli/req.h: the body of `vm create`
 * and the pure parts of waiting for a long-running operation (the operation
 * URL's path, Retry-After, the status, the progress line, the exit code of a
 * failure). No I/O; unit-tested in tests/unit/test_cli_req.c. */
#include "cli/req.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/util.h"

json_t *clireq_vm_body(const char *name, const struct clireq_vm_args *a, char **err)
{
    if (a->nnics == 0) {
        *err = util_xstrdup("--nics: give at least one network interface");
        return NULL;
    }
    json_t *image = json_pack("{s:s, s:s, s:s}", "publisher", a->image->publisher, "offer",
                              a->image->offer, "sku", a->image->sku);
    if (a->image->version)
        json_object_set_new(image, "version", json_string(a->image->version));
    json_t *os = json_pack("{s:s, s:s}", "computerName", name, "adminUsername", a->admin_username);
    if (a->admin_password)
        json_object_set_new(os, "adminPassword", json_string(a->admin_password));
    json_t *nics = json_array();
    for (size_t i = 0; i < a->nnics; i++)
        json_array_append_new(nics, json_pack("{s:s, s:{s:b}}", "id", a->nic_ids[i], "properties",
                                              "primary", i == 0));
    return json_pack("{s:s, s:o, s:{s:{s:s}, s:{s:o}, s:o, s:{s:o}}}", "location", a->location,
                     "tags", a->tags ? json_incref((json_t *)a->tags) : json_object(), "properties",
                     "hardwareProfile", "vmSize", a->vm_size, "storageProfile", "imageReference",
                     image, "osProfile", os, "networkProfile", "networkInterfaces", nics);
}

char *clireq_op_path(const char *url)
{
    if (!url || !*url)
        return NULL;
    if (url[0] == '/')
        return util_xstrdup(url);
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    p += 3;
    p += strcspn(p, "/?#");
    if (*p != '/')
        return NULL;
    return util_xstrdup(p);
}

long clireq_retry_after_ms(const char *header, long def_ms, long min_ms, long max_ms)
{
    long ms = def_ms;
    if (header) {
        while (*header == ' ' || *header == '\t')
            header++;
        char *end;
        if (isdigit((unsigned char)*header)) {
            unsigned long s = strtoul(header, &end, 10);
            while (*end == ' ' || *end == '\t')
                end++;
            if (*end == '\0')
                ms = s > (unsigned long)(max_ms / 1000 + 1) ? max_ms : (long)s * 1000;
        }
    }
    if (ms < min_ms)
        ms = min_ms;
    if (ms > max_ms)
        ms = max_ms;
    return ms;
}

enum clireq_op_state clireq_op_state(const json_t *op, const char **code, const char **message)
{
    const char *c = NULL, *m = NULL;
    const json_t *st = json_object_get(op, "status");
    enum clireq_op_state r;
    if (!json_is_string(st)) {
        r = CLIREQ_OP_BAD;
    } else if (strcasecmp(json_string_value(st), "Succeeded") == 0) {
        r = CLIREQ_OP_SUCCEEDED;
    } else if (strcasecmp(json_string_value(st), "Failed") == 0 ||
               strcasecmp(json_string_value(st), "Canceled") == 0) {
        const json_t *e = json_object_get(op, "error");
        c = json_string_value(json_object_get(e, "code"));
        m = json_string_value(json_object_get(e, "message"));
        if (!c || !*c)
            c = strcasecmp(json_string_value(st), "Canceled") == 0 ? "Canceled" : "";
        if (!m || !*m)
            m = strcasecmp(json_string_value(st), "Canceled") == 0 ? "The operation was canceled."
                                                                   : "The operation failed.";
        r = CLIREQ_OP_FAILED;
    } else {
        r = CLIREQ_OP_RUNNING;
    }
    if (code)
        *code = c;
    if (message)
        *message = m;
    return r;
}

char *clireq_op_progress(const char *what, const char *status, long elapsed_ms)
{
    return util_asprintf("%s: %s (%lds)", what, status, elapsed_ms / 1000);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int clireq_op_exit_code(const char *code)
{
    if (!code || !*code || strcmp(code, "InternalServerError") == 0 ||
        strcmp(code, "InternalError") == 0 || ends_with(code, "Unavailable"))
        return CLI_EXIT_ERROR;
    return CLI_EXIT_REFUSED;
}

int clireq_wait(const struct clireq_waiter *w, json_t **op, char **why)
{
    long long start = w->now_ms(w->arg);
    char *last = NULL;
    *op = NULL;
    *why = NULL;
    for (;;) {
        json_t *o = NULL;
        char *ra = NULL;
        int rc = w->poll(w->arg, &o, &ra);
        if (rc != 0) {
            free(ra);
            free(last);
            return rc;
        }
        enum clireq_op_state st = clireq_op_state(o, NULL, NULL);
        if (st == CLIREQ_OP_BAD) {
            *why = util_xstrdup("the service's answer is not an operation (no \"status\")");
            json_decref(o);
            free(ra);
            free(last);
            return CLI_EXIT_ERROR;
        }
        const char *status = json_string_value(json_object_get(o, "status"));
        long long now = w->now_ms(w->arg);
        char *line = clireq_op_progress(w->what, status, (long)(now - start));
        int changed = !last || strcmp(last, status) != 0;
        w->progress(w->arg, line, changed);
        free(line);
        free(last);
        last = util_xstrdup(status);
        if (st == CLIREQ_OP_SUCCEEDED || st == CLIREQ_OP_FAILED) {
            free(ra);
            free(last);
            if (st == CLIREQ_OP_SUCCEEDED) {
                json_decref(o);
                return 0;
            }
            *op = o;
            return CLIREQ_WAIT_FAILED;
        }
        json_decref(o);
        long ms = clireq_retry_after_ms(ra, w->default_ms, w->min_ms, w->max_ms);
        free(ra);
        if (w->timeout_ms > 0 && now - start + ms > w->timeout_ms) {
            *why = util_asprintf("%s: still %s after %lds; giving up (the operation goes on)",
                                 w->what, last, (long)((now - start) / 1000));
            free(last);
            return CLI_EXIT_ERROR;
        }
        w->sleep_ms(w->arg, ms);
    }
}
