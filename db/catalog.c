#include "db/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define CATALOG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* LIMIT NULL is no limit at all. */
static const char *db_catalog_limit(long limit, char buf[24])
{
    if (limit <= 0)
        return NULL;
    snprintf(buf, 24, "%ld", limit);
    return buf;
}

/* 1 when a DELETE ... RETURNING or UPDATE touched no row. */
static int db_catalog_none(PGresult *r)
{
    return PQntuples(r) == 0;
}

/* --- locations ------------------------------------------------------------ */

#define LOC_COLUMNS                                                                          \
    "name, display_name, accelerated_networking, " CATALOG_TS("created_at") ", " CATALOG_TS( \
        "updated_at")

void db_location_free(struct db_location *l)
{
    free(l->display_name);
    l->display_name = NULL;
}

void db_location_list_free(struct db_location *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_location_free(&items[i]);
    free(items);
}

static void db_location_row(PGresult *r, int row, struct db_location *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, row, 0));
    out->display_name = util_xstrdup(PQgetvalue(r, row, 1));
    out->accelerated_networking = PQgetvalue(r, row, 2)[0] == 't';
    snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(r, row, 3));
    snprintf(out->updated_at, sizeof(out->updated_at), "%s", PQgetvalue(r, row, 4));
}

/* One row of r into out (when out is not NULL), else DB_NOT_FOUND. */
static enum db_status db_location_one(PGresult *r, struct db_location *out)
{
    if (db_catalog_none(r))
        return DB_NOT_FOUND;
    if (out)
        db_location_row(r, 0, out);
    return DB_OK;
}

DB_STMT(db_location_get_q,
        "SELECT " LOC_COLUMNS " FROM locations"
        " WHERE name = lower(replace($1, ' ', '')) OR lower(display_name) = lower($1)"
        " ORDER BY name = lower(replace($1, ' ', '')) DESC LIMIT 1");

enum db_status db_location_get(struct db_conn *c, const char *name, struct db_location *out)
{
    const char *params[] = {name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_location_get_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    st = db_location_one(r, out);
    PQclear(r);
    return st;
}

DB_STMT(db_location_list_q, "SELECT " LOC_COLUMNS " FROM locations"
                            " WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2");

enum db_status db_location_list(struct db_conn *c, const char *after, long limit,
                                struct db_location **items, size_t *n)
{
    char lim[24];
    const char *params[] = {after, db_catalog_limit(limit, lim)};
    PGresult *r;
    enum db_status st = db_exec(c, &db_location_list_q, 2, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_location_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_location_upsert_q,
        "INSERT INTO locations (name, display_name, accelerated_networking)"
        " VALUES ($1, $2, $3::boolean)"
        " ON CONFLICT (name) DO UPDATE SET display_name = EXCLUDED.display_name,"
        " accelerated_networking = EXCLUDED.accelerated_networking, updated_at = now()"
        " RETURNING " LOC_COLUMNS ", (xmax = 0)");

enum db_status db_location_upsert(struct db_conn *c, const char *name, const char *display_name,
                                  int accelerated_networking, int *created, struct db_location *out)
{
    const char *params[] = {name, display_name, accelerated_networking ? "true" : "false"};
    PGresult *r;
    enum db_status st = db_exec(c, &db_location_upsert_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    st = db_location_one(r, out);
    if (st == DB_OK)
        *created = PQgetvalue(r, 0, 5)[0] == 't';
    PQclear(r);
    return st;
}

/* Resource groups refer to locations by foreign key: deleting one that is in
 * use fails with a constraint violation (DB_CONFLICT). */
DB_STMT(db_location_delete_q,
        "DELETE FROM locations WHERE name = lower($1) RETURNING " LOC_COLUMNS);

enum db_status db_location_delete(struct db_conn *c, const char *name, struct db_location *out)
{
    const char *params[] = {name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_location_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    st = db_location_one(r, out);
    PQclear(r);
    return st;
}

/* --- VM sizes ------------------------------------------------------------- */

#define SIZE_COLUMNS                                                         \
    "name, vcpus, memory_mb, max_nics, accelerated_networking, " CATALOG_TS( \
        "created_at") ", " CATALOG_TS("updated_at")

static void db_vm_size_row(PGresult *r, int row, struct db_vm_size *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, row, 0));
    out->vcpus = strtol(PQgetvalue(r, row, 1), NULL, 10);
    out->memory_mb = strtol(PQgetvalue(r, row, 2), NULL, 10);
    out->max_nics = strtol(PQgetvalue(r, row, 3), NULL, 10);
    out->accelerated_networking = PQgetvalue(r, row, 4)[0] == 't';
    snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(r, row, 5));
    snprintf(out->updated_at, sizeof(out->updated_at), "%s", PQgetvalue(r, row, 6));
}

static enum db_status db_vm_size_one(PGresult *r, struct db_vm_size *out)
{
    if (db_catalog_none(r))
        return DB_NOT_FOUND;
    if (out)
        db_vm_size_row(r, 0, out);
    return DB_OK;
}

DB_STMT(db_vm_size_get_q, "SELECT " SIZE_COLUMNS " FROM vm_sizes WHERE lower(name) = lower($1)");

enum db_status db_vm_size_get(struct db_conn *c, const char *name, struct db_vm_size *out)
{
    const char *params[] = {name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vm_size_get_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    st = db_vm_size_one(r, out);
    PQclear(r);
    return st;
}

DB_STMT(db_vm_size_list_q,
        "SELECT " SIZE_COLUMNS " FROM vm_sizes"
        " WHERE ($1::text IS NULL OR lower(name) > $1) ORDER BY lower(name) LIMIT $2");

enum db_status db_vm_size_list(struct db_conn *c, const char *after, long limit,
                               struct db_vm_size **items, size_t *n)
{
    char lim[24];
    const char *params[] = {after, db_catalog_limit(limit, lim)};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vm_size_list_q, 2, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_vm_size_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_vm_size_upsert_q,
        "INSERT INTO vm_sizes (name, vcpus, memory_mb, max_nics, accelerated_networking)"
        " VALUES ($1, $2::integer, $3::integer, $4::integer, $5::boolean)"
        " ON CONFLICT (lower(name)) DO UPDATE SET vcpus = EXCLUDED.vcpus,"
        " memory_mb = EXCLUDED.memory_mb, max_nics = EXCLUDED.max_nics,"
        " accelerated_networking = EXCLUDED.accelerated_networking, updated_at = now()"
        " RETURNING " SIZE_COLUMNS ", (xmax = 0)");

enum db_status db_vm_size_upsert(struct db_conn *c, const struct db_vm_size *in, int *created,
                                 struct db_vm_size *out)
{
    char vcpus[24], mem[24], nics[24];
    snprintf(vcpus, sizeof(vcpus), "%ld", in->vcpus);
    snprintf(mem, sizeof(mem), "%ld", in->memory_mb);
    snprintf(nics, sizeof(nics), "%ld", in->max_nics);
    const char *params[] = {in->name, vcpus, mem, nics,
                            in->accelerated_networking ? "true" : "false"};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vm_size_upsert_q, 5, params, &r);
    if (st != DB_OK)
        return st;
    st = db_vm_size_one(r, out);
    if (st == DB_OK)
        *created = PQgetvalue(r, 0, 7)[0] == 't';
    PQclear(r);
    return st;
}

DB_STMT(db_vm_size_delete_q,
        "DELETE FROM vm_sizes WHERE lower(name) = lower($1) RETURNING " SIZE_COLUMNS);

enum db_status db_vm_size_delete(struct db_conn *c, const char *name, struct db_vm_size *out)
{
    const char *params[] = {name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vm_size_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    st = db_vm_size_one(r, out);
    PQclear(r);
    return st;
}

/* --- OS images ------------------------------------------------------------ */

#define IMAGE_COLUMNS                                                        \
    "publisher, offer, sku, display_name, os_type, accelerated_networking, " \
    "vf_driver, " CATALOG_TS("created_at") ", " CATALOG_TS("updated_at")
#define IMAGE_KEY_IS \
    "lower(publisher) = lower($1) AND lower(offer) = lower($2) AND lower(sku) = lower($3)"

void db_os_image_free(struct db_os_image *i)
{
    free(i->display_name);
    free(i->vf_driver);
    i->display_name = i->vf_driver = NULL;
}

void db_os_image_list_free(struct db_os_image *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_os_image_free(&items[i]);
    free(items);
}

static void db_os_image_row(PGresult *r, int row, struct db_os_image *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->publisher, sizeof(out->publisher), "%s", PQgetvalue(r, row, 0));
    snprintf(out->offer, sizeof(out->offer), "%s", PQgetvalue(r, row, 1));
    snprintf(out->sku, sizeof(out->sku), "%s", PQgetvalue(r, row, 2));
    out->display_name = util_xstrdup(PQgetvalue(r, row, 3));
    snprintf(out->os_type, sizeof(out->os_type), "%s", PQgetvalue(r, row, 4));
    out->accelerated_networking = PQgetvalue(r, row, 5)[0] == 't';
    out->vf_driver = util_xstrdup(PQgetvalue(r, row, 6));
    snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(r, row, 7));
    snprintf(out->updated_at, sizeof(out->updated_at), "%s", PQgetvalue(r, row, 8));
}

static enum db_status db_os_image_one(PGresult *r, struct db_os_image *out)
{
    if (db_catalog_none(r))
        return DB_NOT_FOUND;
    if (out)
        db_os_image_row(r, 0, out);
    return DB_OK;
}

DB_STMT(db_os_image_get_q, "SELECT " IMAGE_COLUMNS " FROM os_images WHERE " IMAGE_KEY_IS);

enum db_status db_os_image_get(struct db_conn *c, const char *publisher, const char *offer,
                               const char *sku, struct db_os_image *out)
{
    const char *params[] = {publisher, offer, sku};
    PGresult *r;
    enum db_status st = db_exec(c, &db_os_image_get_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    st = db_os_image_one(r, out);
    PQclear(r);
    return st;
}

DB_STMT(db_os_image_list_q,
        "SELECT " IMAGE_COLUMNS " FROM os_images"
        " WHERE ($1::text IS NULL OR (lower(publisher), lower(offer), lower(sku)) > ($1, $2, $3))"
        " ORDER BY lower(publisher), lower(offer), lower(sku) LIMIT $4");

enum db_status db_os_image_list(struct db_conn *c, const char *after_publisher,
                                const char *after_offer, const char *after_sku, long limit,
                                struct db_os_image **items, size_t *n)
{
    char lim[24];
    int after = after_publisher && after_offer && after_sku;
    const char *params[] = {after ? after_publisher : NULL, after ? after_offer : NULL,
                            after ? after_sku : NULL, db_catalog_limit(limit, lim)};
    PGresult *r;
    enum db_status st = db_exec(c, &db_os_image_list_q, 4, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_os_image_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_os_image_upsert_q,
        "INSERT INTO os_images (publisher, offer, sku, display_name, os_type,"
        " accelerated_networking, vf_driver) VALUES ($1, $2, $3, $4, $5, $6::boolean, $7)"
        " ON CONFLICT (lower(publisher), lower(offer), lower(sku)) DO UPDATE SET"
        " display_name = EXCLUDED.display_name, os_type = EXCLUDED.os_type,"
        " accelerated_networking = EXCLUDED.accelerated_networking,"
        " vf_driver = EXCLUDED.vf_driver, updated_at = now()"
        " RETURNING " IMAGE_COLUMNS ", (xmax = 0)");

enum db_status db_os_image_upsert(struct db_conn *c, const struct db_os_image *in, int *created,
                                  struct db_os_image *out)
{
    const char *params[] = {in->publisher,
                            in->offer,
                            in->sku,
                            in->display_name,
                            in->os_type,
                            in->accelerated_networking ? "true" : "false",
                            in->vf_driver ? in->vf_driver : ""};
    PGresult *r;
    enum db_status st = db_exec(c, &db_os_image_upsert_q, 7, params, &r);
    if (st != DB_OK)
        return st;
    st = db_os_image_one(r, out);
    if (st == DB_OK)
        *created = PQgetvalue(r, 0, 9)[0] == 't';
    PQclear(r);
    return st;
}

DB_STMT(db_os_image_delete_q,
        "DELETE FROM os_images WHERE " IMAGE_KEY_IS " RETURNING " IMAGE_COLUMNS);

enum db_status db_os_image_delete(struct db_conn *c, const char *publisher, const char *offer,
                                  const char *sku, struct db_os_image *out)
{
    const char *params[] = {publisher, offer, sku};
    PGresult *r;
    enum db_status st = db_exec(c, &db_os_image_delete_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    st = db_os_image_one(r, out);
    PQclear(r);
    return st;
}
