/* config — the CLI's settings file and where each setting comes from.
 *
 * `accelnet login` writes $XDG_CONFIG_HOME/accelnet/config (else
 * ~/.config/accelnet/config): one key=value per line, '#' comments and blank
 * lines ignored, whitespace around keys and values trimmed. Keys today: url,
 * token, ca_file, subscription, resource_group. Unknown keys are kept when the file is rewritten
 * (comments are not). The file holds a credential: it is written atomically (a temporary file in
 * the same directory, fsync, rename) with mode 0600 in a directory with mode 0700.
 *
 * Precedence for each setting: command-line flag, then environment variable
 * (ACCELNET_URL, ACCELNET_TOKEN, ACCELNET_CA_FILE, ACCELNET_SUBSCRIPTION,
 * ACCELNET_RESOURCE_GROUP), then
 * the file. An empty value counts as unset. */
#ifndef ACCELNET_CLI_CONFIG_H
#define ACCELNET_CLI_CONFIG_H

#include <stddef.h>

#define CLICONF_URL     "url"
#define CLICONF_TOKEN   "token"
#define CLICONF_CA_FILE "ca_file"
/* The default subscription for subscription-scoped commands. */
#define CLICONF_SUBSCRIPTION "subscription"
/* The default resource group for group-scoped commands (az's defaults.group). */
#define CLICONF_RESOURCE_GROUP "resource_group"

struct cliconf_entry {
    char *key;   /* owned */
    char *value; /* owned */
};

/* Zero-initialised is an empty configuration. */
struct cliconf {
    struct cliconf_entry *v;
    size_t n;
    int loose_mode; /* cliconf_load: the file is readable or writable by others */
};

/* The config file's path for these values of XDG_CONFIG_HOME and HOME (either
 * may be NULL; a relative XDG_CONFIG_HOME is ignored, as the XDG spec says).
 * Newly allocated, or NULL when neither gives a directory. */
char *cliconf_default_path(const char *xdg_config_home, const char *home);

/* Parses text (appending to c). 0, or -1 with *err (owned) naming the line. */
int cliconf_parse(struct cliconf *c, const char *text, char **err);
/* The file's text; owned. */
char *cliconf_format(const struct cliconf *c);
/* Reads path into c (emptied first). A missing file is an empty config. 0, or
 * -1 with *err (owned). */
int cliconf_load(struct cliconf *c, const char *path, char **err);
/* Writes c to path atomically, mode 0600, creating the directories (0700).
 * 0, or -1 with *err (owned). */
int cliconf_save(const struct cliconf *c, const char *path, char **err);

/* The value of key (borrowed), or NULL. */
const char *cliconf_get(const struct cliconf *c, const char *key);
/* Sets key to value (copied). -1 when key is not [a-z0-9_.-]+, or value has a
 * control character (a line break) or starts or ends with white space: the
 * file could not give it back as it was. */
int cliconf_set(struct cliconf *c, const char *key, const char *value);
/* Removes key; 1 when it was there. */
int cliconf_unset(struct cliconf *c, const char *key);
void cliconf_free(struct cliconf *c);

enum cliconf_source { CLICONF_SRC_NONE, CLICONF_SRC_FILE, CLICONF_SRC_ENV, CLICONF_SRC_FLAG };

struct cliconf_setting {
    const char *value; /* borrowed from whichever source won, or NULL */
    enum cliconf_source source;
};

/* The first non-empty of flag, env, file. */
struct cliconf_setting cliconf_pick(const char *flag, const char *env, const char *file);
/* "flag" | "environment" | "config file" | "unset" */
const char *cliconf_source_name(enum cliconf_source s);

#endif
