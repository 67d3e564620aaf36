#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

static enum log_level log_min = LOGL_INFO;
static const char *log_program = "accelnet";
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (s && strcasecmp(s, log_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_set_level(enum log_level level)
{
    log_min = level;
}

int log_enabled(enum log_level level)
{
    return level >= log_min;
}

void log_set_program(const char *name)
{
    log_program = name;
}

void log_fields(enum log_level level, json_t *fields)
{
    char now[32];
    if (!fields)
        return;
    if (!log_enabled(level)) {
        json_decref(fields);
        return;
    }
    util_time_rfc3339(now);
    json_t *line = json_pack("{s:s, s:s, s:s}", "time", now, "level", log_names[level], "program",
                             log_program);
    if (line && json_object_update(line, fields) == 0) {
        char *text = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
        if (text) {
            pthread_mutex_lock(&log_lock);
            fputs(text, stderr);
            fputc('\n', stderr);
            fflush(stderr);
            pthread_mutex_unlock(&log_lock);
            free(text);
        }
    }
    json_decref(line);
    json_decref(fields);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = util_vasprintf(fmt, ap);
    va_end(ap);
    log_fields(level, json_pack("{s:s}", "msg", msg));
    free(msg);
}
