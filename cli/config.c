#include "cli/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#define CLICONF_MAX_BYTES (1024 * 1024)

char *cliconf_default_path(const char *xdg_config_home, const char *home)
{
    if (xdg_config_home && xdg_config_home[0] == '/')
        return util_asprintf("%s/accelnet/config", xdg_config_home);
    if (home && *home)
        return util_asprintf("%s/.config/accelnet/config", home);
    return NULL;
}

static int key_ok(const char *k)
{
    if (!*k)
        return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
              *p == '-'))
            return 0;
    return 1;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static int value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n && (is_space(v[0]) || is_space(v[n - 1])))
        return 0;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

const char *cliconf_get(const struct cliconf *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].key, key) == 0)
            return c->v[i].value;
    return NULL;
}

int cliconf_set(struct cliconf *c, const char *key, const char *value)
{
    if (!key_ok(key) || !value_ok(value))
        return -1;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].key, key) == 0) {
            free(c->v[i].value);
            c->v[i].value = util_xstrdup(value);
            return 0;
        }
    c->v = util_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
    c->v[c->n].key = util_xstrdup(key);
    c->v[c->n].value = util_xstrdup(value);
    c->n++;
    return 0;
}

int cliconf_unset(struct cliconf *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].key, key) == 0) {
            free(c->v[i].key);
            free(c->v[i].value);
            memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
            c->n--;
            return 1;
        }
    return 0;
}

void cliconf_free(struct cliconf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].key);
        free(c->v[i].value);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}

/* [s, e) without surrounding white space. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

int cliconf_parse(struct cliconf *c, const char *text, char **err)
{
    const char *p = text;
    for (size_t line = 1; *p; line++) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        const char *s = p, *e = end;
        trim(&s, &e);
        p = nl ? nl + 1 : end;
        if (s == e || *s == '#')
            continue;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq) {
            *err = util_asprintf("line %zu: expected key=value", line);
            return -1;
        }
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        trim(&ks, &ke);
        trim(&vs, &ve);
        char *key = util_xstrndup(ks, (size_t)(ke - ks));
        char *value = util_xstrndup(vs, (size_t)(ve - vs));
        int rc = cliconf_set(c, key, value);
        if (rc != 0)
            *err = util_asprintf("line %zu: '%s' is not a valid setting name (a-z, 0-9, _ . -) "
                                 "or its value has a control character",
                                 line, key);
        free(key);
        free(value);
        if (rc != 0)
            return -1;
    }
    return 0;
}

char *cliconf_format(const struct cliconf *c)
{
    struct buf b = {0};
    buf_appendf(&b, "# accelnet CLI settings, written by `accelnet login` (key=value).\n"
                    "# It holds a credential: keep it private (mode 0600).\n");
    for (size_t i = 0; i < c->n; i++)
        buf_appendf(&b, "%s=%s\n", c->v[i].key, c->v[i].value);
    return b.data;
}

int cliconf_load(struct cliconf *c, const char *path, char **err)
{
    struct stat st;
    struct buf b = {0};
    int rc = -1;

    cliconf_free(c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        *err = util_asprintf("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        *err = util_asprintf("cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        *err = util_asprintf("%s is not a regular file", path);
        goto out;
    }
    c->loose_mode = (st.st_mode & 077) != 0;
    for (;;) {
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = util_asprintf("cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > CLICONF_MAX_BYTES) {
            *err = util_asprintf("%s is larger than %d bytes", path, CLICONF_MAX_BYTES);
            goto out;
        }
        buf_append(&b, chunk, (size_t)n);
    }
    if (memchr(b.data ? b.data : "", '\0', b.len)) {
        *err = util_asprintf("%s contains a NUL byte", path);
        goto out;
    }
    char *perr = NULL;
    if (cliconf_parse(c, b.data ? b.data : "", &perr) != 0) {
        *err = util_asprintf("%s: %s", path, perr);
        free(perr);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        int loose = c->loose_mode;
        cliconf_free(c);
        c->loose_mode = loose;
    }
    buf_free(&b);
    close(fd);
    return rc;
}

/* mkdir -p for the directories above path's last component; the ones it
 * creates get mode 0700. */
static int make_parents(const char *dir, char **err)
{
    char *tmp = util_xstrdup(dir);
    int rc = 0;
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
            *err = util_asprintf("cannot create directory %s: %s", tmp, strerror(errno));
            rc = -1;
            break;
        }
        *p = saved;
        if (!saved)
            break;
    }
    free(tmp);
    return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int cliconf_save(const struct cliconf *c, const char *path, char **err)
{
    char *dir = NULL, *tmp = NULL, *text = NULL;
    int fd = -1, rc = -1;
    struct stat st;

    const char *slash = strrchr(path, '/');
    dir = slash && slash != path ? util_xstrndup(path, (size_t)(slash - path))
                                 : util_xstrdup(slash ? "/" : ".");
    if (make_parents(dir, err) != 0)
        goto out;
    /* The directory that holds the credential is private, even if it was
     * there already (with a looser mode from some other tool). */
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *err = util_asprintf("%s is not a directory", dir);
        goto out;
    }
    if ((st.st_mode & 077) && chmod(dir, 0700) != 0) {
        *err = util_asprintf("cannot make %s private (chmod 0700): %s", dir, strerror(errno));
        goto out;
    }
    tmp = util_asprintf("%s.tmpXXXXXX", path);
    fd = mkstemp(tmp); /* creates the file with mode 0600 */
    if (fd < 0) {
        *err = util_asprintf("cannot create a file in %s: %s", dir, strerror(errno));
        goto out;
    }
    text = cliconf_format(c);
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
        *err = util_asprintf("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        *err = util_asprintf("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        *err = util_asprintf("cannot replace %s: %s", path, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    /* Make the rename durable; failing here loses nothing already written. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(text);
    free(dir);
    return rc;
}

struct cliconf_setting cliconf_pick(const char *flag, const char *env, const char *file)
{
    struct cliconf_setting s = {NULL, CLICONF_SRC_NONE};
    if (flag && *flag)
        s = (struct cliconf_setting){flag, CLICONF_SRC_FLAG};
    else if (env && *env)
        s = (struct cliconf_setting){env, CLICONF_SRC_ENV};
    else if (file && *file)
        s = (struct cliconf_setting){file, CLICONF_SRC_FILE};
    return s;
}

const char *cliconf_source_name(enum cliconf_source s)
{
    switch (s) {
    case CLICONF_SRC_FLAG:
        return "flag";
    case CLICONF_SRC_ENV:
        return "environment";
    case CLICONF_SRC_FILE:
        return "config file";
    case CLICONF_SRC_NONE:
        break;
    }
    return "unset";
}
