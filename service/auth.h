/* auth — bearer tokens: making them, hashing them, and deciding whether a
 * request's token may call a route. Tokens are 32 random bytes (base64url,
 * prefixed "acn_"); only their BLAKE2b-256 hash is stored, and the stored
 * hash is compared in constant time. */
#ifndef ACCELNET_SERVICE_AUTH_H
#define ACCELNET_SERVICE_AUTH_H

#include "service/req.h"

#define AUTH_TOKEN_PREFIX "acn_"
#define AUTH_TOKEN_BYTES  32
#define AUTH_TOKEN_MAX    64 /* prefix + base64url(32 bytes) + NUL fits */

/* A new random token (text). */
void auth_token_generate(char out[AUTH_TOKEN_MAX]);
/* The lower-case hex hash of a token. */
void auth_token_hash(const char *token, char hex[65]);

/* Authenticates and authorizes rq for its route. 0 when the handler may run;
 * otherwise rp holds the 401/403/503 reply. Fills rq->who. */
int auth_check(struct req *rq, struct reply *rp);

/* At start-up: makes the configured bootstrap admin token valid, or, when
 * none is configured and the database has none, generates one and writes it
 * to token_file (mode 0600). 0 on success, -1 with a log line otherwise. */
int auth_bootstrap(struct db_pool *pool, const char *configured, const char *token_file);

#endif
