/* cli — the accelnet command line: the command table's types, the parser that
 * checks argv against a command's flag specs, help at every level, and the
 * entry point main() calls.
 *
 * Commands are rows of one table (cli/commands.c), az-style:
 *
 *     accelnet <group> [<subgroup>...] <verb> --flag value ...
 *
 * A row names its group path ("admin token"), its verb ("create"), its handler,
 * a one-line summary, longer help, its flags (name, type, required, allowed
 * values, default, help) and examples. Groups have rows of their own (path,
 * summary) so that `accelnet <group> --help` can describe them. Adding a
 * command is adding a row and writing its handler (cli/cmd.h); parsing, help,
 * usage errors, output formatting and --query come for free.
 *
 * The parser knows nothing about HTTP; it is pure and unit-tested
 * (tests/unit/test_cli_args.c). */
#ifndef ACCELNET_CLI_CLI_H
#define ACCELNET_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes, documented in `accelnet --help`. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,     /* server error (5xx), unreachable, local failure, anything else */
    CLI_EXIT_USAGE = 2,     /* bad command line; the relevant help goes to stderr */
    CLI_EXIT_NOT_FOUND = 3, /* HTTP 404 */
    CLI_EXIT_REFUSED = 4,   /* any other 4xx: 400, 401, 403, 409, 412, 413, 429 ... */
};

enum cli_flag_type {
    CLI_STRING, /* --name VALUE */
    CLI_INT,    /* --name N, a whole number in [min, max] */
    CLI_ENUM,   /* --name VALUE, one of choices (any case; the choice's spelling is kept) */
    CLI_SWITCH, /* --name, no value */
    CLI_LIST,   /* --name V1 V2 ... (every word up to the next flag; may be repeated) */
};

/* cli_flag.opts */
#define CLI_REQUIRED 0x1u

struct cli_flag {
    const char *name; /* "role" for --role; NULL ends an array of flags */
    char short_name;  /* 'o' for -o, or 0 */
    enum cli_flag_type type;
    unsigned opts;              /* CLI_REQUIRED */
    const char *metavar;        /* shown in help: --role ROLE */
    const char *help;           /* one sentence or two; wrapped by the help printer */
    const char *const *choices; /* CLI_ENUM: NULL-terminated */
    const char *def;            /* default (shown in help, returned by cli_arg) or NULL */
    long min, max;              /* CLI_INT */
};

struct cli_example {
    const char *summary; /* NULL ends an array of examples */
    const char *command; /* "accelnet admin token list -o table" */
};

struct cli_ctx;
/* A command's handler; returns an exit code (enum cli_exit). */
typedef int (*cli_handler)(struct cli_ctx *ctx);

struct cli_command {
    const char *group; /* "admin token"; "" for top-level commands (login) */
    const char *verb;  /* "create" */
    cli_handler handler;
    const char *summary;                /* one line, shown where the group is listed */
    const char *help;                   /* longer text or NULL; printed as written */
    const struct cli_flag *flags;       /* ended by {0}; may be NULL */
    const struct cli_example *examples; /* ended by {0}; may be NULL */
};

struct cli_group {
    const char *path;    /* "admin token"; "" is the top level */
    const char *summary; /* one line */
    const char *help;    /* longer text or NULL; printed as written */
    const struct cli_example *examples;
};

struct cli_table {
    const struct cli_group *groups;
    size_t ngroups;
    const struct cli_command *commands;
    size_t ncommands;
};

/* The flags every command accepts, indexed by enum cli_global. A command's own
 * flag of the same name takes precedence (login has its own --url). */
enum cli_global {
    CLI_G_OUTPUT,
    CLI_G_QUERY,
    CLI_G_DEBUG,
    CLI_G_URL,
    CLI_G_TOKEN,
    CLI_G_CA_FILE,
    CLI_G_TIMEOUT,
    CLI_G_HELP,
    CLI_G_VERSION,
    CLI_NGLOBALS
};
extern const struct cli_flag cli_global_flags[CLI_NGLOBALS + 1];

/* One flag's value(s) on the command line; strings borrow from argv or from
 * the flag's choices. */
struct cli_value {
    int set;
    const char *value; /* the (last) value; "true" for a switch */
    const char **list; /* CLI_LIST: every value (owned array of borrowed strings) */
    size_t nlist;
};

/* The global settings after parsing (defaults filled in). */
struct cli_globals {
    const char *output; /* "json" | "table" | "tsv" | "none" */
    const char *query;  /* or NULL */
    int debug;
    const char *url, *token, *ca_file; /* or NULL */
    long timeout;                      /* seconds */
};

enum cli_parse_status {
    CLI_PARSE_RUN,     /* run p->cmd */
    CLI_PARSE_HELP,    /* print help for p->cmd, or for p->group when cmd is NULL */
    CLI_PARSE_VERSION, /* print the version */
    CLI_PARSE_USAGE,   /* p->error says what is wrong (NULL: nothing given at all) */
};

struct cli_parsed {
    enum cli_parse_status status;
    const struct cli_command *cmd; /* or NULL when the words stop at a group */
    const struct cli_group *group; /* the group the words reached (cmd's group) */
    struct cli_value *vals;        /* one per cmd->flags entry; owned */
    size_t nvals;
    struct cli_value gvals[CLI_NGLOBALS];
    struct cli_globals g;
    char *error; /* CLI_PARSE_USAGE: the message, without "ERROR: " (owned) */
};

/* Parses argv (argv[0] is the program) against the table. Always fills p, which
 * the caller frees with cli_parsed_free(), whatever the status. */
enum cli_parse_status cli_parse(struct cli_parsed *p, const struct cli_table *t, int argc,
                                char *const *argv);
void cli_parsed_free(struct cli_parsed *p);

/* A flag of the parsed command by name (without "--"): its value, else its
 * default, else NULL. Asking for a flag the command does not have is a bug. */
const char *cli_arg(const struct cli_parsed *p, const char *name);
/* 1 when the flag was given on the command line. */
int cli_arg_given(const struct cli_parsed *p, const char *name);
/* A CLI_LIST flag's values (borrowed); *n = 0 when not given. */
const char *const *cli_arg_list(const struct cli_parsed *p, const char *name, size_t *n);

/* The group with exactly this path, or NULL. */
const struct cli_group *cli_table_group(const struct cli_table *t, const char *path);
/* The command with this group path and verb, or NULL. */
const struct cli_command *cli_table_command(const struct cli_table *t, const char *group,
                                            const char *verb);

/* Help for a command (cmd != NULL) or a group; "accelnet" is the program name
 * shown. */
void cli_help_print(FILE *f, const struct cli_table *t, const struct cli_group *g,
                    const struct cli_command *cmd);

/* A flag's description as help shows it: its help with the allowed values
 * and the default appended. Owned. */
char *cli_flag_describe(const struct cli_flag *fl);

/* The manual page accelnet(1), in man(7) roff, generated from the table:
 * the top level's help as DESCRIPTION, the global flags, then every group and
 * command with its usage line, help, flags and examples. `accelnet __man`
 * prints it; `make install` installs it. */
void cli_man_print(FILE *f, const struct cli_table *t);

/* Shell completion: the words that can follow accelnet words[0..n-2] and
 * start with words[n-1] (the word being completed; "" when n is 0), one per
 * line: subgroups and commands, a command's flags (and the global ones) for
 * a word starting with '-' or an empty one after a command, an enum flag's
 * choices in a value's place, and the single line CLI_COMPLETE_FILES where a
 * file name goes (--ca-file). Nothing is ever sent anywhere: the table
 * alone answers. `accelnet __complete WORDS...` prints it for the bash
 * completion script (cli/accelnet.bash-completion). A word "=" after a flag
 * is skipped, as bash splits --flag=value at '='. */
#define CLI_COMPLETE_FILES "__files__"
void cli_complete(FILE *f, const struct cli_table *t, int n, char *const *words);

/* Levenshtein distance (bytes), for "did you mean" suggestions. */
size_t cli_edit_distance(const char *a, const char *b);

/* Runs the command line: parses, prints help or usage errors, loads settings,
 * runs the handler. Output goes to out, errors and diagnostics to err; returns
 * the exit code. */
int cli_run(const struct cli_table *t, int argc, char **argv, FILE *out, FILE *err);

/* The accelnet command table (cli/commands.c). */
extern const struct cli_table cli_table;

#endif
