#include "cli/output.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define MIN_COL_WIDTH 6

int cliout_parse_format(const char *s, enum cliout_format *out)
{
    static const struct {
        const char *name;
        enum cliout_format fmt;
    } names[] = {
        {"json", CLIOUT_JSON},
        {"table", CLIOUT_TABLE},
        {"tsv", CLIOUT_TSV},
        {"none", CLIOUT_NONE},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (s && strcmp(s, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    return -1;
}

void cliout_json(FILE *f, const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s) {
        fputs(s, f);
        fputc('\n', f);
        free(s);
    }
}

static int is_scalar(const json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v) || json_is_null(v);
}

char *cliout_cell(const json_t *v)
{
    if (json_is_string(v)) {
        char *s = util_xstrndup(json_string_value(v), json_string_length(v));
        for (char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = ' ';
        return s;
    }
    if (json_is_null(v) || !v)
        return util_xstrdup("");
    if (json_is_true(v))
        return util_xstrdup("true");
    if (json_is_false(v))
        return util_xstrdup("false");
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return s ? s : util_xstrdup("");
}

/* --- rows and columns -------------------------------------------------------- */

struct col {
    const char *key; /* borrowed from the JSON */
    int in_props;    /* the member lives in item.properties */
    int result;      /* the "Result" column for non-object items */
};

struct grid {
    struct col *cols;
    size_t ncols;
    char **cells; /* nrows * ncols, owned */
    size_t nrows;
};

static int has_col(const struct grid *g, const char *key, int in_props)
{
    for (size_t i = 0; i < g->ncols; i++)
        if (!g->cols[i].result && g->cols[i].in_props == in_props &&
            strcmp(g->cols[i].key, key) == 0)
            return 1;
    return 0;
}

static void add_col(struct grid *g, struct col c)
{
    g->cols = util_xrealloc(g->cols, (g->ncols + 1) * sizeof(*g->cols));
    g->cols[g->ncols++] = c;
}

/* The items v stands for, as a new array reference. */
static json_t *rows_of(const json_t *v)
{
    json_t *value = json_is_object(v) ? json_object_get(v, "value") : NULL;
    if (json_is_array(value))
        return json_incref(value);
    if (json_is_array(v))
        return json_incref((json_t *)v);
    json_t *a = json_array();
    json_array_append(a, (json_t *)v);
    return a;
}

static void grid_build(struct grid *g, const json_t *v)
{
    json_t *rows = rows_of(v);
    size_t i;
    json_t *item, *m;
    const char *key;
    int result = 0;

    memset(g, 0, sizeof(*g));
    json_array_foreach(rows, i, item)
    {
        if (!json_is_object(item)) {
            result = 1;
            continue;
        }
        json_object_foreach(item, key, m)
        {
            if (is_scalar(m) && !has_col(g, key, 0))
                add_col(g, (struct col){key, 0, 0});
        }
    }
    json_array_foreach(rows, i, item)
    {
        json_t *props = json_is_object(item) ? json_object_get(item, "properties") : NULL;
        if (!json_is_object(props))
            continue;
        json_object_foreach(props, key, m)
        {
            if (is_scalar(m) && !has_col(g, key, 0) && !has_col(g, key, 1))
                add_col(g, (struct col){key, 1, 0});
        }
    }
    if (result)
        add_col(g, (struct col){"Result", 0, 1});
    g->nrows = json_array_size(rows);
    g->cells = util_xcalloc(g->nrows * g->ncols + 1, sizeof(*g->cells));
    json_array_foreach(rows, i, item)
    {
        for (size_t c = 0; c < g->ncols; c++) {
            const struct col *col = &g->cols[c];
            const json_t *cell = NULL;
            if (col->result)
                cell = json_is_object(item) ? NULL : item;
            else if (json_is_object(item) && !col->in_props)
                cell = json_object_get(item, col->key);
            else if (json_is_object(item))
                cell = json_object_get(json_object_get(item, "properties"), col->key);
            g->cells[i * g->ncols + c] = cliout_cell(cell);
        }
    }
    json_decref(rows);
}

static void grid_free(struct grid *g)
{
    for (size_t i = 0; i < g->nrows * g->ncols; i++)
        free(g->cells[i]);
    free(g->cells);
    free(g->cols);
    memset(g, 0, sizeof(*g));
}

/* Display width: UTF-8 code points (continuation bytes do not count). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* Bytes of s that hold its first n code points. */
static size_t prefix_bytes(const char *s, size_t n)
{
    size_t i = 0, w = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (w == n)
                break;
            w++;
        }
        i++;
    }
    return i;
}

/* Appends s in a column of width w: cut with "..." when wider, padded to the
 * width and the gap to the next column. */
static void put_cell(struct buf *b, const char *s, size_t w)
{
    size_t tw = text_width(s);
    if (tw > w) {
        size_t keep = w > 3 ? w - 3 : 0;
        buf_append(b, s, prefix_bytes(s, keep));
        buf_append(b, "...", w - keep);
        tw = w;
    } else {
        buf_append(b, s, strlen(s));
    }
    for (size_t k = tw; k < w + 2; k++)
        buf_append(b, " ", 1);
}

/* Prints the line without trailing blanks and empties b. */
static void put_line(FILE *f, struct buf *b)
{
    while (b->len && b->data[b->len - 1] == ' ')
        b->len--;
    fwrite(b->data ? b->data : "", 1, b->len, f);
    fputc('\n', f);
    b->len = 0;
}

void cliout_table(FILE *f, const json_t *v, size_t max_width)
{
    struct grid g;
    if (!v)
        return;
    grid_build(&g, v);
    if (g.nrows == 0 || g.ncols == 0) {
        grid_free(&g);
        return;
    }
    char **head = util_xcalloc(g.ncols, sizeof(*head));
    size_t *w = util_xcalloc(g.ncols, sizeof(*w));
    for (size_t c = 0; c < g.ncols; c++) {
        head[c] = util_xstrdup(g.cols[c].key);
        if (head[c][0] >= 'a' && head[c][0] <= 'z')
            head[c][0] = (char)(head[c][0] - 'a' + 'A');
        w[c] = text_width(head[c]);
        for (size_t r = 0; r < g.nrows; r++) {
            size_t cw = text_width(g.cells[r * g.ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
    }
    if (max_width > 0) {
        for (;;) {
            size_t total = 0, widest = 0;
            for (size_t c = 0; c < g.ncols; c++) {
                total += w[c] + (c ? 2 : 0);
                if (w[c] > w[widest])
                    widest = c;
            }
            if (total <= max_width || w[widest] <= MIN_COL_WIDTH)
                break;
            size_t over = total - max_width;
            size_t room = w[widest] - MIN_COL_WIDTH;
            w[widest] -= over < room ? over : room;
        }
    }
    struct buf line = {0};
    for (size_t c = 0; c < g.ncols; c++)
        put_cell(&line, head[c], w[c]);
    put_line(f, &line);
    for (size_t c = 0; c < g.ncols; c++) {
        for (size_t k = 0; k < w[c]; k++)
            buf_append(&line, "-", 1);
        buf_append(&line, "  ", 2);
    }
    put_line(f, &line);
    for (size_t r = 0; r < g.nrows; r++) {
        for (size_t c = 0; c < g.ncols; c++)
            put_cell(&line, g.cells[r * g.ncols + c], w[c]);
        put_line(f, &line);
    }
    buf_free(&line);
    for (size_t c = 0; c < g.ncols; c++)
        free(head[c]);
    free(head);
    free(w);
    grid_free(&g);
}

void cliout_tsv(FILE *f, const json_t *v)
{
    struct grid g;
    if (!v)
        return;
    grid_build(&g, v);
    for (size_t r = 0; r < g.nrows && g.ncols; r++) {
        for (size_t c = 0; c < g.ncols; c++) {
            const char *s = g.cells[r * g.ncols + c];
            for (const char *p = s; *p; p++)
                fputc(*p == '\t' ? ' ' : *p, f);
            fputc(c + 1 < g.ncols ? '\t' : '\n', f);
        }
    }
    grid_free(&g);
}

void cliout_print(FILE *f, const json_t *v, enum cliout_format fmt, size_t max_width)
{
    if (!v)
        return;
    switch (fmt) {
    case CLIOUT_JSON:
        cliout_json(f, v);
        break;
    case CLIOUT_TABLE:
        cliout_table(f, v, max_width);
        break;
    case CLIOUT_TSV:
        cliout_tsv(f, v);
        break;
    case CLIOUT_NONE:
        break;
    }
}

/* --- errors ------------------------------------------------------------------ */

static const char *reason_phrase(long status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "the request failed";
    }
}

/* Prints n bytes of s with control characters (a hostile or broken server's
 * terminal escapes, line breaks) shown as spaces. */
static void put_clean(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++)
        fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i], f);
}

static const char *str_member(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void cliout_error(FILE *f, long status, const char *body, size_t len, const char *code_header,
                  const char *request_id)
{
    json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *e = json_object_get(doc, "error");
    if (json_is_object(e) && (str_member(e, "code") || str_member(e, "message"))) {
        const char *code = str_member(e, "code");
        const char *msg = str_member(e, "message");
        const char *c = code ? code : (code_header ? code_header : "Error");
        fputs("ERROR: (", f);
        put_clean(f, c, strlen(c));
        fputs(") ", f);
        put_clean(f, msg ? msg : "", msg ? strlen(msg) : 0);
        fputc('\n', f);
        json_t *details = json_object_get(e, "details");
        size_t i;
        json_t *d;
        json_array_foreach(details, i, d)
        {
            const char *dt = str_member(d, "target"), *dc = str_member(d, "code"),
                       *dm = str_member(d, "message");
            fputs("  ", f);
            if (dt) {
                put_clean(f, dt, strlen(dt));
                fputs(": ", f);
            }
            fputc('(', f);
            put_clean(f, dc ? dc : "Error", dc ? strlen(dc) : 5);
            fputs(") ", f);
            put_clean(f, dm ? dm : "", dm ? strlen(dm) : 0);
            fputc('\n', f);
        }
    } else {
        char code[32];
        if (!code_header)
            snprintf(code, sizeof(code), "HTTP %ld", status);
        /* The first line of whatever came back (a proxy's page, plain text). */
        const char *p = body ? body : "";
        size_t n = 0;
        while (n < len && (p[n] == ' ' || p[n] == '\n' || p[n] == '\r' || p[n] == '\t'))
            n++;
        p += n;
        len -= n;
        size_t line = 0;
        while (line < len && line < 200 && p[line] != '\n' && p[line] != '\r')
            line++;
        const char *c = code_header ? code_header : code;
        fputs("ERROR: (", f);
        put_clean(f, c, strlen(c));
        fputs(") ", f);
        if (line)
            put_clean(f, p, line);
        else
            fputs(reason_phrase(status), f);
        fputc('\n', f);
    }
    if (request_id && *request_id) {
        fputs("Request id: ", f);
        put_clean(f, request_id, strlen(request_id));
        fputc('\n', f);
    }
    json_decref(doc);
}
