/* outbox — the worker thread that delivers webhook events from the outbox
 * table (db/outbox.h): POSTs each event with libcurl, marks it delivered on a
 * 2xx answer, otherwise retries with exponential backoff and jitter until the
 * event expires. Everything it knows is in the table, so a restart (or a
 * second daemon on the same database) simply carries on. */
#ifndef ACCELNET_SERVICE_OUTBOX_H
#define ACCELNET_SERVICE_OUTBOX_H

#include <stdint.h>

#include "common/util.h"
#include "db/db.h"

struct config;
struct outbox;

/* Starts the worker (call it from the main thread before other threads use
 * libcurl: it initialises libcurl). NULL when the thread could not start. */
struct outbox *outbox_start(struct db_pool *pool, const struct config *cfg);
/* Stops the worker: a delivery in progress is abandoned (its lease given
 * back, so that the next daemon sends it again), the thread is joined.
 * Safe on NULL. */
void outbox_stop(struct outbox *ob);

/* The delay before the next attempt after `failures` failed ones (1 after
 * the first): base_ms doubled per earlier failure, capped at max_ms, of which
 * the upper half is random ("equal jitter", from rnd). Pure, for tests. */
unsigned long outbox_backoff_ms(unsigned failures, unsigned base_ms, unsigned max_ms, uint32_t rnd);

/* Appends the outbox counters (Prometheus text) to out. */
void outbox_metrics_render(struct buf *out);

#endif
