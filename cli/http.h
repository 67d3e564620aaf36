/* clihttp — the CLI's one HTTP client (libcurl). Every request the CLI makes
 * goes through clihttp_perform():
 *   - TLS verification always on (peer and host name); the CA file from the
 *     settings when one is given, else the system store;
 *   - only http:// and https:// (no other curl protocol), no redirects followed;
 *   - Authorization: Bearer <token> when a token is given;
 *   - x-ms-client-request-id: a new UUID per call (kept in the response, so it
 *     can be quoted next to the server's x-ms-request-id);
 *   - a total timeout and a connect timeout;
 *   - with a debug stream, the request and the response are printed on it
 *     with the Authorization header and the secrets in JSON bodies (tokens,
 *     passwords) redacted.
 * The URL helpers are pure and unit-tested. */
#ifndef ACCELNET_CLI_HTTP_H
#define ACCELNET_CLI_HTTP_H

#include <stddef.h>
#include <stdio.h>

#include "common/util.h"

/* The one api-version accelnetd supports today. */
#define CLIHTTP_API_VERSION "2016-09-01"
/* Responses larger than this are refused (a CLI holds them in memory). */
#define CLIHTTP_MAX_RESPONSE (256u * 1024u * 1024u)

struct clihttp_request {
    const char *method;  /* "GET", "POST", ... */
    const char *url;     /* absolute */
    const char *token;   /* NULL: no Authorization header */
    const char *ca_file; /* NULL: the system's CA store */
    long timeout_ms;     /* 0: 60 s */
    const char *body;    /* NULL: none */
    size_t body_len;
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
    FILE *debug;                /* NULL: quiet */
};

struct clihttp_header {
    char *name;  /* owned */
    char *value; /* owned */
};

/* Zero-initialised is empty; clihttp_response_free() is safe on it. */
struct clihttp_response {
    long status;
    struct buf body;
    struct clihttp_header *headers; /* the final response's headers */
    size_t nheaders;
    char client_request_id[37]; /* what we sent as x-ms-client-request-id */
};

/* Sends the request. 0 when a response came back (whatever its status), -1
 * with *err (owned) when none did (unreachable, TLS failure, timeout). */
int clihttp_perform(const struct clihttp_request *rq, struct clihttp_response *rp, char **err);
void clihttp_response_free(struct clihttp_response *rp);
/* A response header's value (first match, any case) or NULL. */
const char *clihttp_header(const struct clihttp_response *rp, const char *name);
/* 1 when the response says its body is JSON (application/json or +json). */
int clihttp_is_json(const struct clihttp_response *rp);

/* Checks a service URL (http:// or https://, a host, no query or fragment)
 * and returns it without trailing slashes; owned. NULL with *err (owned). */
char *clihttp_base_url(const char *url, char **err);
/* 0 for the paths that take no api-version (/healthz, /readyz, /metrics, in
 * any case, with or without a trailing slash); else 1. uri is a path with an
 * optional query. */
int clihttp_needs_api_version(const char *uri);
/* 1 when the query part of uri has a parameter called name. */
int clihttp_has_query_param(const char *uri, const char *name);
/* The absolute URL for uri (a path, "/admin/tokens?x=1", or an absolute URL
 * that starts with base), with api-version=CLIHTTP_API_VERSION appended when
 * add_api_version and the URI has none. Absolute URLs elsewhere are refused:
 * the token must not leave for another host. NULL with *err (owned). */
char *clihttp_url(const char *base, const char *uri, int add_api_version, char **err);
/* Percent-encodes s for one path segment or query value (RFC 3986 unreserved
 * characters stay); owned. */
char *clihttp_escape(const char *s);
/* 1 when url is plain http:// to a host that is not loopback (the token
 * would cross the network in clear text). */
int clihttp_is_cleartext_remote(const char *url);

/* The CLI's exit code for an HTTP status: 0 (< 400), 3 (404), 4 (other 4xx),
 * 1 (5xx and anything else). */
int clihttp_exit_code(long status);

/* Debug rendering, also used by clihttp_perform. A header line with
 * "Authorization" (any case) as its name comes back as
 * "Authorization: <redacted>"; owned. */
char *clihttp_redact_header(const char *line);
/* body with the secrets of a JSON document replaced by "<redacted>": string
 * members, at any depth, named "token" or "authorization" (any case) or with
 * "password" or "secret" in their name. Compact JSON; non-JSON bodies unchanged. Owned. */
char *clihttp_redact_body(const char *body, size_t len);

#endif
