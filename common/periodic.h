/* periodic — a thread that runs one job every period_s seconds (0: only when
 * kicked) and at once when kicked (a kick during a run asks for one more).
 * Stopping waits for the run in progress. For background passes such as the
 * reconciler and retention. */
#ifndef ACCELNET_COMMON_PERIODIC_H
#define ACCELNET_COMMON_PERIODIC_H

struct periodic;

/* Starts the thread (NULL, logged with name, when it could not start). */
struct periodic *periodic_start(const char *name, unsigned period_s, void (*run)(void *arg),
                                void *arg);
/* Asks for a run now. */
void periodic_kick(struct periodic *p);
/* Stops and joins the thread. Safe on NULL. */
void periodic_stop(struct periodic *p);

#endif
