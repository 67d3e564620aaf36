/* log — one JSON object per line on stderr, for people and log shippers. */
#ifndef ACCELNET_COMMON_LOG_H
#define ACCELNET_COMMON_LOG_H

#include <jansson.h>

enum log_level { LOGL_DEBUG, LOGL_INFO, LOGL_WARN, LOGL_ERROR };

/* "debug" | "info" | "warn" | "error" → 0; anything else → -1. */
int log_parse_level(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);
/* Names the program in every line ("accelnetd", "accelnet-agent"). */
void log_set_program(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs fields (stolen) with "time", "level" and "program" added. */
void log_fields(enum log_level level, json_t *fields);

#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOGL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOGL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)

#endif
