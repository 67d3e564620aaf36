/* controller — the agent's side of "agent → accelnetd" (notes/ISSUE5.md):
 * registration and heartbeats, on a thread of their own so that the agent API
 * keeps serving whatever accelnetd does.
 *
 *   register   PUT /admin/hosts/{hostName}?api-version=2016-09-01, retried
 *              until it answers 200/201, waiting 0.5 s, 1 s, 2 s, ... up to
 *              --register-retry-max-ms (each wait drawn in [w/2, w]); every
 *              failure is logged with what accelnetd said.
 *   heartbeat  POST /admin/hosts/{hostName}/heartbeat?api-version=2016-09-01
 *              {"vfsInUse": N} every heartbeatIntervalSeconds of the last
 *              answer (5 until there is one); 404 → register again.
 *
 * Both carry "Authorization: Bearer <agent token>" and verify accelnetd's
 * certificate (--ca-file, else the system's CAs). */
#ifndef ACCELNET_AGENT_CONTROLLER_H
#define ACCELNET_AGENT_CONTROLLER_H

#include <jansson.h>

struct agent;
struct agent_config;

#define CTL_API_VERSION        "2016-09-01"
#define CTL_DEFAULT_INTERVAL_S 5
#define CTL_RETRY_FIRST_MS     500

/* The registration body (a new reference). */
json_t *ctl_register_body(const struct agent_config *cfg, const char *agent_url,
                          const char *callback_token, const char *backend);

/* The wait before registration attempt number `attempt` (1 = after the
 * first failure): min(first * 2^(attempt-1), max), then drawn uniformly from
 * [wait/2, wait] with rnd in [0, 1). */
unsigned ctl_backoff_ms(unsigned attempt, unsigned first_ms, unsigned max_ms, double rnd);

struct ctl;

/* Starts the thread. agent_url and callback_token are copied. NULL when the
 * thread cannot start. */
struct ctl *ctl_start(struct agent *a, const char *agent_url, const char *callback_token);
/* Stops the thread (an HTTP call in flight is abandoned) and frees c; safe on
 * NULL. */
void ctl_stop(struct ctl *c);

#endif
