#include "agent/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"

/* mkdir -p with mode 0700 for what it creates. */
static int state_mkdirs(const char *dir)
{
    char *p = util_xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            rc = -1;
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

int state_dir_open(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (state_mkdirs(dir) != 0) {
        snprintf(err, errlen, "cannot create the state directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "the state directory %s is not a directory", dir);
        return -1;
    }
    char *path = util_asprintf("%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen,
                 errno == EWOULDBLOCK
                     ? "another accelnet-agent is using the state directory %s (it holds %s)"
                     : "cannot lock the state directory %s (%s)",
                 dir, errno == EWOULDBLOCK ? path : strerror(errno));
        close(fd);
        free(path);
        return -1;
    }
    free(path);
    return fd;
}

static int state_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int state_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                       char *err, size_t errlen)
{
    char *tmp = util_asprintf("%s/.%s.tmp", dir, name);
    char *path = util_asprintf("%s/%s", dir, name);
    int fd = -1, dfd = -1, rc = -1;
    const char *step = "create";

    /* One writer at a time (the caller holds the agent's lock), so a fixed
     * temporary name is enough; a leftover from a crash is replaced. */
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        goto out;
    step = "write";
    if (fchmod(fd, mode) != 0 || state_write_all(fd, data, len) != 0)
        goto out;
    step = "fsync";
    if (fsync(fd) != 0)
        goto out;
    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    step = "rename";
    if (rename(tmp, path) != 0)
        goto out;
    /* Renamed: every reader sees the new content from now on, so this is a
     * success even if making the rename durable fails (then it is logged). */
    rc = 0;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        log_warn("cannot fsync the state directory %s after writing %s: %s", dir, name,
                 strerror(errno));
out:
    if (rc != 0) {
        snprintf(err, errlen, "cannot %s %s: %s", step, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
    }
    if (dfd >= 0)
        close(dfd);
    free(tmp);
    free(path);
    return rc;
}

int state_read(const char *dir, const char *name, char **data, size_t *len, char *err,
               size_t errlen)
{
    char *path = util_asprintf("%s/%s", dir, name);
    struct buf b = {0};
    char chunk[8192];
    int rc = -1;
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = 0;
        else
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            buf_free(&b);
            goto out;
        }
        if (n == 0)
            break;
        buf_append(&b, chunk, (size_t)n);
    }
    if (!b.data)
        buf_append(&b, "", 0);
    *data = b.data;
    *len = b.len;
    rc = 1;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

int state_callback_token(const char *dir, char out[STATE_TOKEN_LEN], int *generated, char *err,
                         size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    unsigned char raw[32];
    *generated = 0;
    int rc = state_read(dir, STATE_TOKEN_FILE, &data, &len, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        size_t n = strcspn(data, "\r\n");
        /* What this program writes: 43 base64url characters. */
        int ok =
            n == STATE_TOKEN_LEN - 1 &&
            strspn(data, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
        if (ok)
            memcpy(out, data, STATE_TOKEN_LEN - 1);
        out[STATE_TOKEN_LEN - 1] = '\0';
        sodium_memzero(data, len);
        free(data);
        if (!ok) {
            snprintf(err, errlen,
                     "%s/%s is not a callback token (43 base64url characters); remove it to "
                     "have a new one generated (then restart so that accelnetd learns it)",
                     dir, STATE_TOKEN_FILE);
            return -1;
        }
        return 0;
    }
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, STATE_TOKEN_LEN, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    char line[STATE_TOKEN_LEN + 1];
    snprintf(line, sizeof(line), "%s\n", out);
    rc = state_write_atomic(dir, STATE_TOKEN_FILE, line, strlen(line), 0600, err, errlen);
    sodium_memzero(line, sizeof(line));
    if (rc != 0)
        return -1;
    *generated = 1;
    return 0;
}
