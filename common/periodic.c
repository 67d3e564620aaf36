#include "common/periodic.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

struct periodic {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, kicked;
    unsigned period_s;
    void (*run)(void *arg);
    void *arg;
};

static void *periodic_main(void *arg)
{
    struct periodic *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (!p->kicked) {
            if (p->period_s) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += p->period_s;
                int e = 0;
                while (!p->stop && !p->kicked && e != ETIMEDOUT)
                    e = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
            } else {
                while (!p->stop && !p->kicked)
                    pthread_cond_wait(&p->cv, &p->mu);
            }
        }
        if (p->stop)
            break;
        p->kicked = 0;
        pthread_mutex_unlock(&p->mu);
        p->run(p->arg);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct periodic *periodic_start(const char *name, unsigned period_s, void (*run)(void *arg),
                                void *arg)
{
    struct periodic *p = util_xcalloc(1, sizeof(*p));
    p->period_s = period_s;
    p->run = run;
    p->arg = arg;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, periodic_main, p) != 0) {
        log_error("%s: the thread could not start", name);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
        return NULL;
    }
    return p;
}

void periodic_kick(struct periodic *p)
{
    pthread_mutex_lock(&p->mu);
    p->kicked = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void periodic_stop(struct periodic *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
