/* http — the agent API's server on libmicrohttpd (a thread pool of
 * --http-threads threads, HTTPS with --tls-cert/--tls-key or plain HTTP on
 * loopback).
 *
 * Every request goes through one pipeline before a handler runs: request id,
 * authentication (Authorization: Bearer <callback token>, compared in
 * constant time; 401 AuthenticationFailed otherwise, for every path), route
 * (404/405 with Allow), body size (413) and JSON parsing (400), then the
 * test-only fault injection (delay, hang, and for AGENT_ROUTE_FAULTS routes
 * the 503s of --test-fail-rate). Each response carries x-ms-request-id and
 * is logged as one JSON line, as accelnetd does.
 *
 * The route table is common/route.h's; `struct req` and `struct reply` below
 * are the agent's own (the handler type only names them). */
#ifndef ACCELNET_AGENT_HTTP_H
#define ACCELNET_AGENT_HTTP_H

#include <stddef.h>
#include <jansson.h>

#include "common/error.h"
#include "common/route.h"

struct agent;
struct MHD_Connection;

/* Routes with this flag are the calls that change something (attach, policy,
 * policies in batches, detach, servicing): --test-fail-rate applies to them. */
#define AGENT_ROUTE_FAULTS ROUTE_FLAGS_PROGRAM

/* The largest request body accepted (a policy of PROTO_MAX_RULES rules fits). */
#define AGENT_MAX_BODY_BYTES (4u << 20)

struct req {
    struct agent *agent;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    struct route_match match;
    json_t *body; /* parsed body or NULL; borrowed */
    char request_id[37];
};

struct reply {
    unsigned status;
    json_t *body;         /* owned */
    struct err err;       /* set = an error reply */
    unsigned retry_after; /* seconds; 0 = no header */
};

const char *agent_req_param(const struct req *rq, const char *name);

void agent_reply_json(struct reply *rp, unsigned status, json_t *body /* stolen */);
void agent_reply_empty(struct reply *rp, unsigned status);
void agent_reply_error(struct reply *rp, enum err_code code, const char *target, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
/* Takes over e (it is zeroed). */
void agent_reply_error_steal(struct reply *rp, struct err *e);

struct agent_http;

/* Starts serving. NULL with a sentence in err when it cannot. */
struct agent_http *agent_http_start(struct agent *a, const struct route *routes, size_t nroutes,
                                    char *err, size_t errlen);
/* The port actually bound (useful with --listen HOST:0). */
unsigned agent_http_port(const struct agent_http *s);
/* Stops accepting connections; calls in flight go on. */
void agent_http_quiesce(struct agent_http *s);
/* Waits up to timeout_s for calls in flight; returns how many are left. */
long agent_http_drain(struct agent_http *s, unsigned timeout_s);
/* Closes every connection and frees the server; safe on NULL. */
void agent_http_stop(struct agent_http *s);

#endif
