/* util — small helpers every program shares: allocation that aborts on
 * exhaustion, formatted strings, a growable byte buffer, times and ids. */
#ifndef ACCELNET_COMMON_UTIL_H
#define ACCELNET_COMMON_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *util_xmalloc(size_t n);
void *util_xcalloc(size_t n, size_t size);
void *util_xrealloc(void *p, size_t n);
char *util_xstrdup(const char *s);
char *util_xstrndup(const char *s, size_t n);
/* Newly allocated formatted string; the caller frees it. */
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *util_vasprintf(const char *fmt, va_list ap);

/* A growable buffer, always NUL-terminated. Zero-initialised is empty. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};
void buf_append(struct buf *b, const void *data, size_t n);
void buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* Monotonic clock in nanoseconds / milliseconds. */
uint64_t util_now_ns(void);
uint64_t util_now_ms(void);
/* Current UTC time as RFC 3339 with milliseconds ("2026-11-29T15:50:27.123Z"). */
void util_time_rfc3339(char out[32]);

/* A random (version 4) UUID in lower-case text form. */
void util_uuid4(char out[37]);
/* 1 when s is a GUID (8-4-4-4-12 hex digits, any case), else 0. */
int util_is_guid(const char *s);

/* Lower-cases ASCII letters in place; returns s. */
char *util_str_lower(char *s);

/* Host names are DNS labels: 1-63 of [A-Za-z0-9-], not starting or ending
 * with '-' (stored in lower case; see db/migrations/006_hosts.sql). NULL when
 * name is one, else why not, as a static phrase that follows "it"
 * ("must be 1 to 63 characters long"). */
#define UTIL_DNS_LABEL_MAX 63
const char *util_dns_label_problem(const char *name);

/* Parses a whole decimal number in [min, max]; 0 on success, -1 otherwise. */
int util_parse_long(const char *s, long min, long max, long *out);

/* Splits "host:port" or "[v6]:port" (port 0-65535); *host is newly
 * allocated. 0 on success, -1 (nothing allocated) otherwise. */
int util_parse_hostport(const char *s, char **host, unsigned *port);

#endif
