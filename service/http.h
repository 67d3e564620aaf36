/* http — accelnetd's HTTP(S) server on libmicrohttpd.
 *
 * Threading: a pool of --http-threads threads, each running its own epoll
 * loop over its share of the connections (MHD's thread pool with
 * MHD_USE_AUTO). Handlers run on those threads and may block on the
 * database; the pool size bounds how many run at once.
 *
 * Every request goes through one pipeline before a handler runs: request id,
 * route (404/405), authentication and role (401/403), api-version (400), body
 * size (413) and JSON parsing (400). Each response carries the ARM headers
 * and is logged as one JSON line and counted in the metrics. */
#ifndef ACCELNET_SERVICE_HTTP_H
#define ACCELNET_SERVICE_HTTP_H

#include <stddef.h>

#include "service/req.h"

struct http_server;

/* Starts serving. NULL with a message in err when it cannot. */
struct http_server *http_start(struct app *app, const struct route *routes, size_t nroutes,
                               char *err, size_t errlen);
/* The base URL ("https://127.0.0.1:8443"). */
const char *http_url(const struct http_server *s);
/* Stops accepting connections; requests in flight go on, and further
 * requests on open connections are answered with "Connection: close". */
void http_quiesce(struct http_server *s);
/* Waits up to timeout_s for requests in flight to finish; returns how many
 * are left. */
long http_drain(struct http_server *s, unsigned timeout_s);
/* Closes every connection and frees the server. */
void http_stop(struct http_server *s);

#endif
