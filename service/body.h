/* body — collecting a request body under a size cap and parsing it as JSON
 * once, before any handler sees it. */
#ifndef ACCELNET_SERVICE_BODY_H
#define ACCELNET_SERVICE_BODY_H

#include <stddef.h>
#include <jansson.h>

#include "common/error.h"
#include "common/util.h"

struct body {
    struct buf data;
    size_t max;
    int too_large;
};

/* content_length: the Content-Length header (NULL if absent). Returns 0, or
 * -1 when the declared length already exceeds max (then: 413 at once). */
int body_begin(struct body *b, size_t max, const char *content_length);
/* Appends a chunk; past max the body is dropped and too_large set. */
void body_feed(struct body *b, const char *data, size_t n);
/* Parses the collected body. An empty body gives *out = NULL and 0. Errors
 * set e (InvalidRequestContent naming line, column and position, or
 * RequestBodyTooLarge) and return -1. */
int body_parse(struct body *b, json_t **out, struct err *e);
void body_free(struct body *b);

#endif
