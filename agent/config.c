#include "agent/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/backend.h"
#include "common/util.h"

enum cfg_kind {
    CFG_STRING,
    CFG_UINT,
    CFG_ULONG,
    CFG_BOOL,
    CFG_LISTEN,
    CFG_LOGLEVEL,
    CFG_RATE, /* a fraction from 0 to 1 */
    CFG_PF,   /* repeatable flag; the variable holds a ';'-separated list */
};

/* The settings, in the order --help lists them. */
static const struct cfg_setting {
    const char *env;
    const char *flag;
    enum cfg_kind kind;
    size_t offset;
    const char *def; /* default, as text; NULL = unset */
    unsigned long min, max;
    const char *arg; /* what --help shows after the flag */
    const char *help;
} cfg_settings[] = {
    {"ACCELNET_AGENT_CONTROLLER", "controller", CFG_STRING,
     offsetof(struct agent_config, controller), NULL, 0, 0, "URL",
     "accelnetd's base URL, https:// (http:// only to a loopback address) (required)"},
    {"ACCELNET_AGENT_TOKEN", "token", CFG_STRING, offsetof(struct agent_config, token), NULL, 0, 0,
     "TOKEN", "host-agent token from POST /admin/tokens {\"role\":\"agent\"} (or --token-file)"},
    {"ACCELNET_AGENT_TOKEN_FILE", "token-file", CFG_STRING,
     offsetof(struct agent_config, token_file), NULL, 0, 0, "FILE",
     "file whose first line is the host-agent token (instead of --token)"},
    {"ACCELNET_AGENT_HOST_NAME", "host-name", CFG_STRING, offsetof(struct agent_config, host_name),
     NULL, 0, 0, "NAME",
     "the host's name in accelnetd: 1-63 of a-z 0-9 -, not starting or ending with '-' "
     "[default: the system host name up to its first '.']"},
    {"ACCELNET_AGENT_LOCATION", "location", CFG_STRING, offsetof(struct agent_config, location),
     NULL, 0, 0, "LOC", "the region the host is in, e.g. westeurope (required)"},
    {"ACCELNET_AGENT_LISTEN", "listen", CFG_LISTEN, 0, "127.0.0.1:9101", 0, 0, "HOST:PORT",
     "address the agent API is served on, host:port or [v6]:port"},
    {"ACCELNET_AGENT_ADVERTISE_URL", "advertise-url", CFG_STRING,
     offsetof(struct agent_config, advertise_url), NULL, 0, 0, "URL",
     "the agentUrl accelnetd is told to call [default: from --listen, https:// or http://]"},
    {"ACCELNET_AGENT_BACKEND", "backend", CFG_STRING, offsetof(struct agent_config, backend), "sim",
     0, 0, "NAME", "datapath backend: sim (a simulated VF table kept in --state-dir)"},
    {"ACCELNET_AGENT_VCPUS", "vcpus", CFG_UINT, offsetof(struct agent_config, vcpus), "64", 1,
     65536, "N", "vCPUs the host offers to VMs"},
    {"ACCELNET_AGENT_MEMORY_MB", "memory-mb", CFG_ULONG, offsetof(struct agent_config, memory_mb),
     "262144", 1, 1073741824, "N", "memory (MiB) the host offers to VMs"},
    {"ACCELNET_AGENT_PF", "pf", CFG_PF, 0, PF_DEFAULT_SPEC, 0, 0,
     "NAME,PCI_ADDRESS,VENDOR:DEVICE,NUM_VFS",
     "an SR-IOV physical function; repeat the flag for several (the variable takes a "
     "';'-separated list). VF i is at the PF's PCI address + 1 + i; the VF device id and "
     "drivers follow from VENDOR:DEVICE"},
    {"ACCELNET_AGENT_FAULT_DOMAIN", "fault-domain", CFG_UINT,
     offsetof(struct agent_config, fault_domain), "0", 0, 255, "N", "the host's fault domain"},
    {"ACCELNET_AGENT_STATE_DIR", "state-dir", CFG_STRING, offsetof(struct agent_config, state_dir),
     "/var/lib/accelnet-agent", 0, 0, "DIR",
     "where the VF table and the callback token are kept (created with mode 0700)"},
    {"ACCELNET_AGENT_CA_FILE", "ca-file", CFG_STRING, offsetof(struct agent_config, ca_file), NULL,
     0, 0, "FILE", "CA certificates (PEM) that verify accelnetd [default: the system's]"},
    {"ACCELNET_AGENT_TLS_CERT", "tls-cert", CFG_STRING, offsetof(struct agent_config, tls_cert),
     NULL, 0, 0, "FILE", "TLS certificate chain (PEM) the agent API is served with"},
    {"ACCELNET_AGENT_TLS_KEY", "tls-key", CFG_STRING, offsetof(struct agent_config, tls_key), NULL,
     0, 0, "FILE", "its private key (PEM)"},
    {"ACCELNET_AGENT_INSECURE_HTTP", "insecure-http", CFG_BOOL,
     offsetof(struct agent_config, insecure_http), "0", 0, 1, NULL,
     "serve plain HTTP instead of TLS (only on a loopback --listen address, for tests)"},
    {"ACCELNET_AGENT_LOG_LEVEL", "log-level", CFG_LOGLEVEL, 0, "info", 0, 0, "LEVEL",
     "debug, info, warn or error"},
    {"ACCELNET_AGENT_HTTP_THREADS", "http-threads", CFG_UINT,
     offsetof(struct agent_config, http_threads), "4", 1, 64, "N", "HTTP worker threads"},
    {"ACCELNET_AGENT_SHUTDOWN_GRACE", "shutdown-grace", CFG_UINT,
     offsetof(struct agent_config, shutdown_grace_s), "30", 0, 3600, "SECONDS",
     "how long calls in flight may take to finish on SIGTERM/SIGINT"},
    {"ACCELNET_AGENT_CONTROLLER_TIMEOUT_MS", "controller-timeout-ms", CFG_UINT,
     offsetof(struct agent_config, controller_timeout_ms), "10000", 100, 300000, "MS",
     "time allowed for one registration or heartbeat call"},
    {"ACCELNET_AGENT_REGISTER_RETRY_MAX_MS", "register-retry-max-ms", CFG_UINT,
     offsetof(struct agent_config, retry_max_ms), "30000", 100, 3600000, "MS",
     "longest wait between two registration attempts (the wait doubles from 0.5 s, with "
     "jitter)"},
    {"ACCELNET_AGENT_TEST_FAIL_RATE", "test-fail-rate", CFG_RATE,
     offsetof(struct agent_config, test_fail_rate), "0", 0, 0, "P",
     "TEST ONLY: answer 503 to this fraction (0 to 1) of attach, policy and detach calls, "
     "before they change anything"},
    {"ACCELNET_AGENT_TEST_DELAY_MS", "test-delay-ms", CFG_UINT,
     offsetof(struct agent_config, test_delay_ms), "0", 0, 600000, "MS",
     "TEST ONLY: wait this long before answering every API call"},
    {"ACCELNET_AGENT_TEST_HANG_FILE", "test-hang-file", CFG_STRING,
     offsetof(struct agent_config, test_hang_file), NULL, 0, 0, "PATH",
     "TEST ONLY: while this file exists, API calls block (until it is removed or the agent "
     "stops)"},
    {"ACCELNET_AGENT_TEST_NO_POLICY_BATCHES", "test-no-policy-batches", CFG_BOOL,
     offsetof(struct agent_config, test_no_policy_batches), "0", 0, 1, NULL,
     "TEST ONLY: do not serve POST /v1/policies (it answers 404, as an agent from before it "
     "does), so that accelnetd's fallback to one PUT per NIC can be tried"},
};
#define CFG_N (sizeof(cfg_settings) / sizeof(cfg_settings[0]))

static int cfg_is_true(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off", ""};
    for (size_t i = 0; i < 4; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return *out = 1, 0;
    for (size_t i = 0; i < 5; i++)
        if (strcasecmp(v, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

/* Appends one --pf value. */
static int cfg_add_pf(struct agent_config *cfg, const char *v, const char *from, char *err,
                      size_t errlen)
{
    char why[400];
    if (cfg->npfs == PF_MAX_COUNT) {
        snprintf(err, errlen, "%s: at most %d physical functions", from, PF_MAX_COUNT);
        return -1;
    }
    if (pf_parse(v, &cfg->pfs[cfg->npfs], why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", from, why);
        return -1;
    }
    cfg->npfs++;
    return 0;
}

/* Applies one value; `from` says where it came from, for the message. */
static int cfg_apply(struct agent_config *cfg, const struct cfg_setting *s, const char *v,
                     const char *from, char *err, size_t errlen)
{
    char *base = (char *)cfg;
    long n;
    switch (s->kind) {
    case CFG_STRING:
        free(*(char **)(base + s->offset));
        *(char **)(base + s->offset) = *v ? util_xstrdup(v) : NULL;
        return 0;
    case CFG_UINT:
    case CFG_ULONG:
        if (util_parse_long(v, (long)s->min, (long)s->max, &n) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a whole number from %lu to %lu", from, v, s->min,
                     s->max);
            return -1;
        }
        if (s->kind == CFG_UINT)
            *(unsigned *)(base + s->offset) = (unsigned)n;
        else
            *(unsigned long *)(base + s->offset) = (unsigned long)n;
        return 0;
    case CFG_BOOL:
        if (cfg_is_true(v, (int *)(base + s->offset)) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a boolean (use 1/0, true/false, yes/no)", from,
                     v);
            return -1;
        }
        return 0;
    case CFG_LISTEN:
        free(cfg->listen_host);
        cfg->listen_host = NULL;
        if (util_parse_hostport(v, &cfg->listen_host, &cfg->listen_port) != 0) {
            snprintf(err, errlen,
                     "%s: '%s' is not host:port (for example 127.0.0.1:9101 or [::1]:9101)", from,
                     v);
            return -1;
        }
        return 0;
    case CFG_LOGLEVEL:
        if (log_parse_level(v, &cfg->log_level) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a log level (debug, info, warn, error)", from,
                     v);
            return -1;
        }
        return 0;
    case CFG_RATE: {
        char *end = NULL;
        errno = 0;
        double d = *v && !isspace((unsigned char)*v) ? strtod(v, &end) : NAN;
        if (!end || *end || errno || !(d >= 0.0 && d <= 1.0)) {
            snprintf(err, errlen, "%s: '%s' is not a fraction from 0 to 1 (like 0.25)", from, v);
            return -1;
        }
        *(double *)(base + s->offset) = d;
        return 0;
    }
    case CFG_PF: {
        /* The variable's list: specs separated by ';' (empty items skipped). */
        char *list = util_xstrdup(v);
        int rc = 0;
        for (char *p = list; rc == 0 && p && *p;) {
            char *semi = strchr(p, ';');
            if (semi)
                *semi = '\0';
            if (*p)
                rc = cfg_add_pf(cfg, p, from, err, errlen);
            p = semi ? semi + 1 : NULL;
        }
        free(list);
        return rc;
    }
    }
    return -1;
}

void agent_config_free(struct agent_config *cfg)
{
    free(cfg->controller);
    if (cfg->token)
        memset(cfg->token, 0, strlen(cfg->token));
    free(cfg->token);
    free(cfg->token_file);
    free(cfg->host_name);
    free(cfg->location);
    free(cfg->listen_host);
    free(cfg->advertise_url);
    free(cfg->backend);
    free(cfg->state_dir);
    free(cfg->ca_file);
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free(cfg->test_hang_file);
    memset(cfg, 0, sizeof(*cfg));
}

/* Prints text word-wrapped to 78 columns, each line indented by 6. */
static void cfg_wrap(FILE *out, const char *text)
{
    const size_t width = 78 - 6;
    while (*text) {
        size_t n = strlen(text);
        if (n > width) {
            n = width;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(text, " ");
        }
        fprintf(out, "      %.*s\n", (int)n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

void agent_config_usage(FILE *out)
{
    fputs("Usage: accelnet-agent [--flag VALUE]...\n"
          "\n"
          "accelnet-agent runs on every host: it registers the host with accelnetd,\n"
          "heartbeats, and serves the agent API (attach a VF to a NIC, replace its policy,\n"
          "detach, list, health) to accelnetd, authenticated with a callback token it\n"
          "generates and keeps in --state-dir. Every setting comes from its environment\n"
          "variable, and a flag overrides it.\n"
          "\n",
          out);
    for (size_t i = 0; i < CFG_N; i++) {
        const struct cfg_setting *s = &cfg_settings[i];
        char *help = s->def && s->kind != CFG_BOOL
                         ? util_asprintf("%s [default: %s]", s->help, s->def)
                         : util_xstrdup(s->help);
        fprintf(out, "  --%s%s%s\n", s->flag, s->arg ? " " : "", s->arg ? s->arg : "");
        fprintf(out, "      %s\n", s->env);
        cfg_wrap(out, help);
        free(help);
    }
    fputs("  --help\n"
          "      this text\n"
          "  --version\n"
          "      print the version\n"
          "\n"
          "Exit status: 0 after SIGTERM/SIGINT (calls in flight finished), 1 when it\n"
          "cannot start, 2 for a bad setting.\n",
          out);
}

static int cfg_host_is_loopback(const char *host)
{
    unsigned char a[16];
    char buf[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        snprintf(buf, sizeof(buf), "%.*s", (int)(n - 2), host + 1);
        host = buf;
    }
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        return memcmp(a, one, 16) == 0;
    }
    return 0;
}

static int cfg_host_is_wildcard(const char *host)
{
    return strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || strcmp(host, "*") == 0;
}

/* Checks an http(s) URL with libcurl's parser; 0 with *https and *loopback
 * set, or -1 with the reason in why. */
static int cfg_check_url(const char *url, int *https, int *loopback, char *why, size_t whylen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL;
    int rc = -1;
    if (!u) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, whylen, "is not a URL like https://accelnet.example:8443");
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        snprintf(why, whylen, "must start with https:// or http://");
        goto out;
    }
    /* Only a base URL: paths are appended to it. */
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
        snprintf(why, whylen, "must not have a query or a fragment");
        goto out;
    }
    *https = strcasecmp(scheme, "https") == 0;
    *loopback = cfg_host_is_loopback(host);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(frag);
    curl_url_cleanup(u);
    return rc;
}

int agent_config_host_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

static int cfg_location_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != ' ')
            return 0;
    return 1;
}

/* Tokens go into an HTTP header: printable ASCII, no spaces. */
static int cfg_token_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 512)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* Reads the first line of --token-file into cfg->token. */
static int cfg_read_token_file(struct agent_config *cfg, const char *name, char *err, size_t errlen)
{
    FILE *f = fopen(cfg->token_file, "r");
    char line[600];
    if (!f) {
        snprintf(err, errlen, "%s: cannot read %s: %s", name, cfg->token_file, strerror(errno));
        return -1;
    }
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!cfg_token_ok(line)) {
        memset(line, 0, sizeof(line));
        snprintf(err, errlen,
                 "%s: the first line of %s is not a token (1-512 printable characters without "
                 "spaces)",
                 name, cfg->token_file);
        return -1;
    }
    cfg->token = util_xstrdup(line);
    memset(line, 0, sizeof(line));
    return 0;
}

/* How a setting is named in messages: "--flag" when the flag gave it, else
 * its variable. */
static const char *cfg_name(const char *const *names, const char *flag)
{
    for (size_t i = 0; i < CFG_N; i++)
        if (strcmp(cfg_settings[i].flag, flag) == 0)
            return names[i] ? names[i] : cfg_settings[i].env;
    return flag;
}

/* Settings that depend on each other, checked once every value is in. */
static int cfg_check(struct agent_config *cfg, const char *const *names,
                     agent_config_hostname_fn hostname, char *err, size_t errlen)
{
    char why[200];
    int https, loopback;

    if (!cfg->controller) {
        snprintf(err, errlen,
                 "ACCELNET_AGENT_CONTROLLER (or --controller) is required: accelnetd's URL, for "
                 "example https://accelnet.example:8443");
        return -1;
    }
    if (cfg_check_url(cfg->controller, &https, &loopback, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: '%s' %s", cfg_name(names, "controller"), cfg->controller, why);
        return -1;
    }
    if (!https && !loopback) {
        snprintf(err, errlen,
                 "%s: '%s' is plain http to a host that is not loopback; use https:// (the "
                 "agent token would travel in clear)",
                 cfg_name(names, "controller"), cfg->controller);
        return -1;
    }
    for (size_t n = strlen(cfg->controller); n > 0 && cfg->controller[n - 1] == '/'; n--)
        cfg->controller[n - 1] = '\0';

    if (cfg->token && cfg->token_file) {
        snprintf(err, errlen, "%s and %s are both set: choose one", cfg_name(names, "token"),
                 cfg_name(names, "token-file"));
        return -1;
    }
    if (cfg->token_file &&
        cfg_read_token_file(cfg, cfg_name(names, "token-file"), err, errlen) != 0)
        return -1;
    if (!cfg->token) {
        snprintf(err, errlen,
                 "ACCELNET_AGENT_TOKEN (or --token, or --token-file) is required: a host-agent "
                 "token from POST /admin/tokens {\"role\":\"agent\"}");
        return -1;
    }
    if (!cfg_token_ok(cfg->token)) {
        snprintf(err, errlen, "%s: not a token (1-512 printable characters without spaces)",
                 cfg_name(names, "token"));
        return -1;
    }

    if (cfg->host_name) {
        util_str_lower(cfg->host_name);
        if (!agent_config_host_name_ok(cfg->host_name)) {
            snprintf(err, errlen,
                     "%s: '%s' is not a host name (1-63 of a-z, 0-9 and '-', not starting or "
                     "ending with '-')",
                     cfg_name(names, "host-name"), cfg->host_name);
            return -1;
        }
    } else {
        char sys[256] = "";
        int rc = hostname ? hostname(sys, sizeof(sys)) : gethostname(sys, sizeof(sys));
        sys[sizeof(sys) - 1] = '\0';
        sys[strcspn(sys, ".")] = '\0';
        util_str_lower(sys);
        if (rc != 0 || !agent_config_host_name_ok(sys)) {
            snprintf(err, errlen,
                     "ACCELNET_AGENT_HOST_NAME (or --host-name) is needed: the system host name "
                     "'%s' is not one accelnetd accepts (1-63 of a-z, 0-9 and '-')",
                     sys);
            return -1;
        }
        cfg->host_name = util_xstrdup(sys);
    }

    if (!cfg->location) {
        snprintf(err, errlen,
                 "ACCELNET_AGENT_LOCATION (or --location) is required: the host's region, for "
                 "example westeurope");
        return -1;
    }
    if (!cfg_location_ok(cfg->location)) {
        snprintf(err, errlen,
                 "%s: '%s' is not a location name (letters, digits and spaces, like westeurope)",
                 cfg_name(names, "location"), cfg->location);
        return -1;
    }

    if (!cfg->backend || !backend_find(cfg->backend)) {
        snprintf(err, errlen, "%s: '%s' is not a backend (available: %s)",
                 cfg_name(names, "backend"), cfg->backend ? cfg->backend : "", backend_names());
        return -1;
    }
    if (pf_check_set(cfg->pfs, cfg->npfs, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %s", cfg_name(names, "pf"), why);
        return -1;
    }
    if (!cfg->state_dir) {
        snprintf(err, errlen, "%s must not be empty", cfg_name(names, "state-dir"));
        return -1;
    }

    if (!cfg->insecure_http && (!cfg->tls_cert || !cfg->tls_key)) {
        snprintf(err, errlen,
                 "TLS needs both ACCELNET_AGENT_TLS_CERT and ACCELNET_AGENT_TLS_KEY (or "
                 "--tls-cert and --tls-key); to serve plain HTTP on loopback set "
                 "ACCELNET_AGENT_INSECURE_HTTP=1");
        return -1;
    }
    if (cfg->insecure_http && (cfg->tls_cert || cfg->tls_key)) {
        snprintf(err, errlen, "%s is set together with a TLS certificate or key: choose one",
                 cfg_name(names, "insecure-http"));
        return -1;
    }
    if (cfg->insecure_http && !cfg_host_is_loopback(cfg->listen_host)) {
        snprintf(err, errlen,
                 "%s: plain HTTP is only served on a loopback address, and %s is %s (the "
                 "callback token would travel in clear)",
                 cfg_name(names, "insecure-http"), cfg_name(names, "listen"), cfg->listen_host);
        return -1;
    }
    if (cfg->advertise_url) {
        if (cfg_check_url(cfg->advertise_url, &https, &loopback, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: '%s' %s", cfg_name(names, "advertise-url"),
                     cfg->advertise_url, why);
            return -1;
        }
        for (size_t n = strlen(cfg->advertise_url); n > 0 && cfg->advertise_url[n - 1] == '/'; n--)
            cfg->advertise_url[n - 1] = '\0';
    } else if (cfg_host_is_wildcard(cfg->listen_host)) {
        snprintf(err, errlen,
                 "ACCELNET_AGENT_ADVERTISE_URL (or --advertise-url) is needed when %s is the "
                 "wildcard address %s: the URL accelnetd should call",
                 cfg_name(names, "listen"), cfg->listen_host);
        return -1;
    }
    return 0;
}

char *agent_config_agent_url(const struct agent_config *cfg, unsigned bound_port)
{
    if (cfg->advertise_url)
        return util_xstrdup(cfg->advertise_url);
    int v6 = strchr(cfg->listen_host, ':') != NULL;
    return util_asprintf("%s://%s%s%s:%u", cfg->insecure_http ? "http" : "https", v6 ? "[" : "",
                         cfg->listen_host, v6 ? "]" : "",
                         bound_port ? bound_port : cfg->listen_port);
}

enum agent_config_result agent_config_parse(struct agent_config *cfg, int argc, char **argv,
                                            agent_config_getenv_fn env,
                                            agent_config_hostname_fn hostname, char *err,
                                            size_t errlen)
{
    struct option opts[CFG_N + 3];
    const char *flag_value[CFG_N] = {0};
    const char *pf_flags[PF_MAX_COUNT + 1];
    size_t npf_flags = 0;
    const char *names[CFG_N] = {0};
    char flag_names[CFG_N][40];
    char from[128];

    memset(cfg, 0, sizeof(*cfg));
    /* The flags first (so that --help works whatever the environment holds),
     * then for each setting: its flag, else its variable, else the default.
     * Only the value that wins is checked. */
    for (size_t i = 0; i < CFG_N; i++)
        opts[i] = (struct option){
            cfg_settings[i].flag,
            cfg_settings[i].kind == CFG_BOOL ? optional_argument : required_argument, NULL, (int)i};
    opts[CFG_N] = (struct option){"help", no_argument, NULL, 1000};
    opts[CFG_N + 1] = (struct option){"version", no_argument, NULL, 1001};
    opts[CFG_N + 2] = (struct option){NULL, 0, NULL, 0};
    optind = 0; /* 0, not 1: glibc then forgets the previous scan entirely */
    opterr = 0;
    for (;;) {
        int longindex = -1;
        int c = getopt_long(argc, argv, ":", opts, &longindex);
        if (c == -1)
            break;
        if (c == 1000)
            return AGENT_CONFIG_HELP;
        if (c == 1001)
            return AGENT_CONFIG_VERSION;
        if (c == '?' || c == ':') {
            const char *arg = argv[optind - 1];
            if (c == '?' && optopt)
                snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
            else
                snprintf(err, errlen,
                         c == ':' ? "%s needs a value (see --help)"
                                  : "unknown option '%s' (see --help)",
                         arg);
            return AGENT_CONFIG_ERROR;
        }
        if (cfg_settings[c].kind == CFG_PF) {
            if (npf_flags == PF_MAX_COUNT) {
                snprintf(err, errlen, "--pf: at most %d physical functions", PF_MAX_COUNT);
                return AGENT_CONFIG_ERROR;
            }
            pf_flags[npf_flags++] = optarg;
            continue;
        }
        flag_value[c] = optarg ? optarg : "1";
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
        return AGENT_CONFIG_ERROR;
    }
    for (size_t i = 0; i < CFG_N; i++) {
        const struct cfg_setting *s = &cfg_settings[i];
        const char *v = flag_value[i];
        const char *origin = from;
        snprintf(flag_names[i], sizeof(flag_names[i]), "--%s", s->flag);
        if (s->kind == CFG_PF && npf_flags > 0) {
            names[i] = flag_names[i];
            for (size_t k = 0; k < npf_flags; k++)
                if (cfg_add_pf(cfg, pf_flags[k], "--pf", err, errlen) != 0)
                    return AGENT_CONFIG_ERROR;
            continue;
        }
        if (v) {
            snprintf(from, sizeof(from), "--%s", s->flag);
            names[i] = flag_names[i];
        } else if (env && (v = env(s->env)) != NULL) {
            origin = s->env;
        } else if ((v = s->def) != NULL) {
            origin = "default";
        } else {
            continue;
        }
        if (cfg_apply(cfg, s, v, origin, err, errlen) != 0)
            return AGENT_CONFIG_ERROR;
    }
    if (cfg_check(cfg, names, hostname, err, errlen) != 0)
        return AGENT_CONFIG_ERROR;
    return AGENT_CONFIG_OK;
}
