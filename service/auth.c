#include "service/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "db/subscription.h"
#include "db/token.h"
#include "service/config.h"

void auth_token_generate(char out[AUTH_TOKEN_MAX])
{
    unsigned char raw[AUTH_TOKEN_BYTES];
    size_t plen = strlen(AUTH_TOKEN_PREFIX);
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, AUTH_TOKEN_PREFIX, plen);
    sodium_bin2base64(out + plen, AUTH_TOKEN_MAX - plen, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void auth_token_hash(const char *token, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The token in "Authorization: Bearer <token>", or NULL. */
static const char *auth_bearer(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header ? header : NULL;
}

/* RFC 6750: no error code when the request carried no credentials at all. */
static void auth_unauthenticated(struct reply *rp, int had_token, const char *why)
{
    reply_error(rp, ERR_AUTHENTICATION_FAILED, NULL, "%s", why);
    reply_header(rp, "WWW-Authenticate",
                 had_token ? "Bearer realm=\"accelnet\", error=\"invalid_token\""
                           : "Bearer realm=\"accelnet\"");
}

static int auth_role_allowed(const struct req *rq)
{
    switch (rq->match.route->auth) {
    case AUTH_PUBLIC:
        return 1;
    case AUTH_ADMIN:
        return rq->who.role == ROLE_ADMIN;
    case AUTH_AGENT:
        return rq->who.role == ROLE_AGENT || rq->who.role == ROLE_ADMIN;
    case AUTH_TENANT:
        return rq->who.role == ROLE_USER || rq->who.role == ROLE_ADMIN;
    case AUTH_SUBSCRIPTION: {
        if (rq->who.role == ROLE_ADMIN)
            return 1;
        const char *sub = req_param(rq, "subscriptionId");
        return rq->who.role == ROLE_USER && sub && strcasecmp(sub, rq->who.subscription_id) == 0;
    }
    }
    return 0;
}

/* On agent routes that name a host ({hostName}): an agent token bound to a
 * host (tokens.host_name) acts for that host only, and with
 * ACCELNET_AGENT_TOKENS_REQUIRE_HOST an unbound agent token for none. Runs
 * before the handler, so a refused request writes nothing. Admin tokens are
 * not concerned. 0 when allowed; -1 with a 403 in rp. */
static int auth_host_allowed(const struct req *rq, struct reply *rp)
{
    const char *host = req_param(rq, "hostName");
    if (rq->who.role != ROLE_AGENT || rq->match.route->auth != AUTH_AGENT || !host)
        return 0;
    if (*rq->who.host_name) {
        /* Host names match case-insensitively (they are stored in lower case). */
        if (strcasecmp(host, rq->who.host_name) == 0)
            return 0;
        reply_error(rp, ERR_AUTHORIZATION_FAILED, "hostName",
                    "The agent token '%s' is bound to the host '%s' and may not act for the "
                    "host '%s'. Give the agent of '%s' a token of its own: POST /admin/tokens "
                    "{\"role\": \"agent\", \"hostName\": \"%s\"}.",
                    rq->who.token_id, rq->who.host_name, host, host, host);
        return -1;
    }
    if (rq->app->cfg->agent_tokens_require_host) {
        reply_error(rp, ERR_AUTHORIZATION_FAILED, "hostName",
                    "The agent token '%s' is not bound to a host, and this service requires "
                    "agent tokens to be (ACCELNET_AGENT_TOKENS_REQUIRE_HOST), so it may not act "
                    "for the host '%s'. Give the agent of '%s' a token bound to it: POST "
                    "/admin/tokens {\"role\": \"agent\", \"hostName\": \"%s\"}.",
                    rq->who.token_id, host, host, host);
        return -1;
    }
    return 0;
}

/* For routes under /subscriptions/{subscriptionId}: the subscription must
 * exist, and a disabled one takes no writes (ARM's read-only state). Runs
 * after the role check, so a user token never learns anything about another
 * subscription. */
static int auth_subscription_gate(struct req *rq, struct reply *rp, struct db_conn *c)
{
    const char *sub = req_param(rq, "subscriptionId");
    if (!sub || !util_is_guid(sub)) {
        reply_error(rp, ERR_INVALID_SUBSCRIPTION_ID, "subscriptionId",
                    "The subscription id '%s' is not a GUID "
                    "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).",
                    sub ? sub : "");
        return -1;
    }
    enum db_status st = db_subscription_state(c, sub, rq->sub_state);
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", sub);
        return -1;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return -1;
    }
    int write = strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0 &&
                !(rq->match.route->flags & ROUTE_READ);
    if (write && strcmp(rq->sub_state, "Disabled") == 0) {
        reply_error(rp, ERR_READ_ONLY_DISABLED_SUBSCRIPTION, "subscriptionId",
                    "The subscription '%s' is disabled and therefore read only. You can read "
                    "its resources but not change them; ask your operator to enable it.",
                    sub);
        return -1;
    }
    return 0;
}

int auth_check(struct req *rq, struct reply *rp)
{
    struct db_conn *c = NULL;
    struct db_token t = {0};
    char hash[65];
    enum db_status st;
    int rc = -1;

    if (rq->match.route->auth == AUTH_PUBLIC)
        return 0;
    const char *token = auth_bearer(req_header(rq, "Authorization"));
    if (!token) {
        auth_unauthenticated(rp, 0,
                             "The request has no bearer token. Send 'Authorization: Bearer "
                             "<token>' with a token from your operator.");
        return -1;
    }
    if (strlen(token) > 512) {
        auth_unauthenticated(rp, 1, "The bearer token is not valid.");
        return -1;
    }
    auth_token_hash(token, hash);
    st = db_acquire(rq->app->db, &c);
    if (st == DB_OK)
        st = db_token_find_by_hash(c, hash, &t);
    if (st == DB_NOT_FOUND || (st == DB_OK && sodium_memcmp(t.hash, hash, 64) != 0)) {
        auth_unauthenticated(rp, 1, "The bearer token is not valid: it is unknown or was revoked.");
        goto out;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    rq->who.role = strcmp(t.role, "admin") == 0   ? ROLE_ADMIN
                   : strcmp(t.role, "agent") == 0 ? ROLE_AGENT
                                                  : ROLE_USER;
    snprintf(rq->who.token_id, sizeof(rq->who.token_id), "%s", t.id);
    snprintf(rq->who.subscription_id, sizeof(rq->who.subscription_id), "%s", t.subscription_id);
    snprintf(rq->who.host_name, sizeof(rq->who.host_name), "%s", t.host_name);
    if (!auth_role_allowed(rq)) {
        /* The same answer whether or not the target exists: nothing leaks. */
        reply_error(rp, ERR_AUTHORIZATION_FAILED, NULL,
                    "The client with token '%s' does not have authorization to perform %s on "
                    "this scope.",
                    rq->who.token_id, rq->method);
        goto out;
    }
    if (auth_host_allowed(rq, rp) != 0)
        goto out;
    if (rq->match.route->auth == AUTH_SUBSCRIPTION && auth_subscription_gate(rq, rp, c) != 0)
        goto out;
    rc = 0;
out:
    db_token_free(&t);
    db_release(rq->app->db, c);
    return rc;
}

static int auth_write_token_file(const char *path, const char *token)
{
    char *tmp = util_asprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("cannot write the admin token file %s: %s", tmp, strerror(errno));
        goto out;
    }
    size_t len = strlen(token);
    if (write(fd, token, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
        log_error("cannot write the admin token file %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        log_error("cannot write the admin token file %s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    return rc;
}

int auth_bootstrap(struct db_pool *pool, const char *configured, const char *token_file)
{
    struct db_conn *c;
    char id[37], hash[65], token[AUTH_TOKEN_MAX] = "";
    enum db_status st = db_acquire(pool, &c);
    int rc = -1;

    if (st != DB_OK) {
        log_error("bootstrap token: database unavailable");
        return -1;
    }
    util_uuid4(id);
    /* One daemon at a time: several starting together on one database would
     * otherwise race on the token's unique hash. The lock ends with the
     * transaction. */
    st = db_exec_simple(c, "BEGIN");
    if (st == DB_OK)
        st = db_exec_simple(c, "SELECT pg_advisory_xact_lock(1633906286)");
    if (st != DB_OK)
        goto out;
    if (configured) {
        auth_token_hash(configured, hash);
        st = db_token_bootstrap_set(c, id, hash);
        if (st == DB_OK)
            st = db_exec_simple(c, "COMMIT");
        if (st == DB_OK) {
            log_info("bootstrap admin token set from ACCELNET_ADMIN_TOKEN");
            rc = 0;
        }
        goto out;
    }
    auth_token_generate(token);
    auth_token_hash(token, hash);
    /* Insert and write the file in one transaction: the hash must never be
     * in the database without the token in the file, or nobody could use it. */
    st = db_token_bootstrap_create(c, id, hash);
    if (st == DB_CONFLICT) {
        log_info("bootstrap admin token already exists (generated at first start into %s, or "
                 "set by ACCELNET_ADMIN_TOKEN)",
                 token_file);
        rc = 0;
    } else if (st == DB_OK) {
        if (auth_write_token_file(token_file, token) != 0)
            goto out;
        st = db_exec_simple(c, "COMMIT");
        if (st != DB_OK) {
            unlink(token_file);
            goto out;
        }
        log_fields(LOGL_WARN, json_pack("{s:s, s:s}", "msg",
                                        "generated the bootstrap admin token; it is in the "
                                        "file named here (mode 0600)",
                                        "file", token_file));
        rc = 0;
    }
out:
    if (rc != 0)
        log_error("bootstrap token could not be set up (%s): %s", db_status_name(st),
                  db_last_error(c));
    sodium_memzero(token, sizeof(token));
    db_release(pool, c); /* rolls back whatever is still open */
    return rc;
}
