/* jspec — request bodies described as arrays of field specs and validated in
 * one call that reports every problem with its JSON path
 * ("properties.ipConfigurations[0].subnet.id"), not just the first.
 *
 *   struct token_req { const char *role; const char *description; };
 *   static const struct jspec token_req_spec[] = {
 *       JSPEC_STRING("role", struct token_req, role, JSPEC_REQUIRED, .one_of = roles),
 *       JSPEC_STRING("description", struct token_req, description, 0, .max_len = 256),
 *       JSPEC_END};
 *
 * Strings and JSON values stored in the destination are borrowed from the
 * parsed document: they live as long as it does. */
#ifndef ACCELNET_COMMON_JSPEC_H
#define ACCELNET_COMMON_JSPEC_H

#include <stddef.h>
#include <jansson.h>

#include "common/error.h"

enum jspec_type {
    /* First, so that an array spec that names no .item_type accepts any
     * element (a read-only member sent back from a GET, say), rather than
     * silently requiring strings. */
    JSPEC_T_ANY,    /* json_t * (borrowed) */
    JSPEC_T_STRING, /* const char * */
    JSPEC_T_INT,    /* long long; has_value set in *flag if given */
    JSPEC_T_BOOL,   /* int (0/1) */
    JSPEC_T_OBJECT, /* json_t * (borrowed); nested .fields validated into the same dest */
    JSPEC_T_ARRAY,  /* json_t * (borrowed); each element checked against .item_type */
};

enum { JSPEC_REQUIRED = 1, JSPEC_NULLABLE = 2 };

struct jspec {
    const char *name; /* NULL ends the array */
    enum jspec_type type;
    unsigned flags;
    size_t offset;              /* into dest; (size_t)-1 = validate only */
    size_t present_offset;      /* (size_t)-1 or an int set to 1 when the field is present */
    const struct jspec *fields; /* OBJECT: its members; ARRAY: spec of each object element */
    enum jspec_type item_type;  /* ARRAY: element type */
    const char *const *one_of;  /* STRING: allowed values (NULL-terminated), case-insensitive */
    size_t min_len, max_len;    /* STRING length; ARRAY element count (0 = no limit) */
    long long min, max;         /* INT range when min < max */
    /* Extra check: return NULL if fine, else a static message. */
    const char *(*check)(const json_t *value);
};

#define JSPEC__NONE ((size_t)-1)
#define JSPEC_FIELD(n, t, type_, member, fl, ...)                                   \
    {                                                                               \
        .name = (n), .type = (t), .flags = (fl), .offset = offsetof(type_, member), \
        .present_offset = JSPEC__NONE, __VA_ARGS__                                  \
    }
#define JSPEC_STRING(n, type_, member, fl, ...) \
    JSPEC_FIELD(n, JSPEC_T_STRING, type_, member, fl, __VA_ARGS__)
#define JSPEC_INT(n, type_, member, fl, ...) \
    JSPEC_FIELD(n, JSPEC_T_INT, type_, member, fl, __VA_ARGS__)
#define JSPEC_BOOL(n, type_, member, fl, ...) \
    JSPEC_FIELD(n, JSPEC_T_BOOL, type_, member, fl, __VA_ARGS__)
#define JSPEC_OBJECT(n, fl, members)                                               \
    {                                                                              \
        .name = (n), .type = JSPEC_T_OBJECT, .flags = (fl), .offset = JSPEC__NONE, \
        .present_offset = JSPEC__NONE, .fields = (members)                         \
    }
#define JSPEC_END    \
    {                \
        .name = NULL \
    }

enum jspec_mode {
    JSPEC_ALLOW_UNKNOWN = 0, /* unknown members are ignored */
    JSPEC_STRICT = 1,        /* unknown members are an error (as ARM does for some types) */
};

/* Validates obj against spec, filling dest. Every problem becomes a detail of
 * e (code InvalidRequestContent, target = JSON path); when there is at least
 * one, e's top-level error is set too. `path` prefixes the paths ("" at the
 * top). Returns the number of problems. */
int jspec_parse(const json_t *obj, const struct jspec *spec, void *dest, const char *path,
                enum jspec_mode mode, struct err *e);

#endif
