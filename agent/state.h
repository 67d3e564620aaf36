/* state — the agent's state directory (--state-dir): created with mode 0700,
 * locked so that two agents never share it, and written only atomically
 * (temporary file, fsync, rename, fsync of the directory), so that a crash at
 * any point leaves either the old or the new content, never a mix.
 *
 * It holds the callback token (callback-token, mode 0600: the secret the
 * agent hands accelnetd at registration and then expects on every call) and
 * whatever the backend keeps there (the sim backend: vftable.json). */
#ifndef ACCELNET_AGENT_STATE_H
#define ACCELNET_AGENT_STATE_H

#include <stddef.h>
#include <sys/types.h>

#define STATE_TOKEN_FILE "callback-token"
/* 32 random bytes in base64url without padding: 43 characters + NUL. */
#define STATE_TOKEN_LEN 44

/* Creates dir (and its parents) if missing and takes its lock (dir/lock,
 * flock). Returns the lock's file descriptor (keep it open for the life of
 * the process), or -1 with a sentence in err. */
int state_dir_open(const char *dir, char *err, size_t errlen);

/* Writes dir/name atomically with mode. 0, or -1 with a sentence in err. */
int state_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                       char *err, size_t errlen);
/* Reads dir/name whole into *data (NUL-terminated; caller frees). 1 when read,
 * 0 when the file does not exist, -1 with a sentence in err. */
int state_read(const char *dir, const char *name, char **data, size_t *len, char *err,
               size_t errlen);

/* The callback token: read from dir/callback-token, or generated (32 random
 * bytes, base64url) and written there with mode 0600 on first start.
 * *generated says which. 0, or -1 with a sentence in err. */
int state_callback_token(const char *dir, char out[STATE_TOKEN_LEN], int *generated, char *err,
                         size_t errlen);

#endif
