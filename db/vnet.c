#include "db/vnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Copies a column into a fixed buffer. */
#define DB_COPY(dst, r, row, col) snprintf((dst), sizeof(dst), "%s", PQgetvalue((r), (row), (col)))

char *db_vnet_array_literal(const char *const *items, size_t n)
{
    struct buf b = {0};
    buf_append(&b, "{", 1);
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%s", i ? "," : "", items[i]);
    buf_append(&b, "}", 1);
    return b.data;
}

/* --- virtual networks ----------------------------------------------------- */

#define VNET_COLUMNS                                                                 \
    "v.id::text, v.subscription_id::text, g.name, v.name, v.location, v.etag::text," \
    " v.provisioning_state, v.segment_id, v.tags::text,"                             \
    " array_to_string(v.address_prefixes::text[], ',')"
#define VNET_FROM                                                                              \
    " FROM virtual_networks v JOIN resource_groups g ON g.subscription_id = v.subscription_id" \
    " AND g.name_key = v.rg_key"

void db_vnet_free(struct db_vnet *v)
{
    free(v->tags);
    for (size_t i = 0; i < v->nprefixes; i++)
        free(v->prefixes[i]);
    free(v->prefixes);
    v->tags = NULL;
    v->prefixes = NULL;
    v->nprefixes = 0;
}

void db_vnet_list_free(struct db_vnet *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_vnet_free(&items[i]);
    free(items);
}

static void db_vnet_row(PGresult *r, int row, struct db_vnet *v)
{
    memset(v, 0, sizeof(*v));
    DB_COPY(v->id, r, row, 0);
    DB_COPY(v->subscription_id, r, row, 1);
    DB_COPY(v->rg_name, r, row, 2);
    DB_COPY(v->name, r, row, 3);
    DB_COPY(v->location, r, row, 4);
    DB_COPY(v->etag, r, row, 5);
    DB_COPY(v->provisioning_state, r, row, 6);
    v->segment_id = strtol(PQgetvalue(r, row, 7), NULL, 10);
    v->tags = util_xstrdup(PQgetvalue(r, row, 8));
    const char *p = PQgetvalue(r, row, 9);
    while (*p) {
        size_t len = strcspn(p, ",");
        v->prefixes = util_xrealloc(v->prefixes, (v->nprefixes + 1) * sizeof(char *));
        v->prefixes[v->nprefixes++] = util_xstrndup(p, len);
        p += len;
        if (*p == ',')
            p++;
    }
}

DB_STMT(db_vnet_get_q, "SELECT " VNET_COLUMNS VNET_FROM
                       " WHERE v.subscription_id = $1::uuid AND v.rg_key = lower($2)"
                       " AND lower(v.name) = lower($3)");

enum db_status db_vnet_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                           struct db_vnet *out)
{
    const char *params[] = {sub, rg, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vnet_get_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_vnet_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_vnet_insert_q,
        "INSERT INTO virtual_networks (id, subscription_id, rg_key, name, location, tags, etag,"
        " address_prefixes) VALUES ($1::uuid, $2::uuid, lower($3), $4, $5, $6::jsonb, $7::uuid,"
        " $8::cidr[])");

enum db_status db_vnet_insert(struct db_conn *c, const char *id, const char *sub, const char *rg,
                              const char *name, const char *location, const char *tags,
                              const char *etag, const char *prefixes)
{
    const char *params[] = {id, sub, rg, name, location, tags, etag, prefixes};
    return db_exec(c, &db_vnet_insert_q, 8, params, NULL);
}

DB_STMT(db_vnet_update_q, "UPDATE virtual_networks SET tags = $2::jsonb, etag = $3::uuid,"
                          " address_prefixes = $4::cidr[], updated_at = now()"
                          " WHERE id = $1::uuid");

enum db_status db_vnet_update(struct db_conn *c, const char *id, const char *tags, const char *etag,
                              const char *prefixes)
{
    const char *params[] = {id, tags, etag, prefixes};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vnet_update_q, 4, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_vnet_set_etag_q, "UPDATE virtual_networks SET etag = $2::uuid, updated_at = now()"
                            " WHERE id = $1::uuid");

enum db_status db_vnet_set_etag(struct db_conn *c, const char *id, const char *etag)
{
    const char *params[] = {id, etag};
    return db_exec(c, &db_vnet_set_etag_q, 2, params, NULL);
}

DB_STMT(db_vnet_delete_q, "DELETE FROM virtual_networks WHERE id = $1::uuid");

enum db_status db_vnet_delete(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vnet_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_vnet_list_q, "SELECT " VNET_COLUMNS VNET_FROM " WHERE v.subscription_id = $1::uuid"
                        " AND ($2::text IS NULL OR v.rg_key = lower($2))"
                        " AND ($3::text IS NULL OR (v.rg_key, lower(v.name)) > ($3, $4::text))"
                        " ORDER BY v.rg_key, lower(v.name) LIMIT $5");

enum db_status db_vnet_list(struct db_conn *c, const char *sub, const char *rg,
                            const char *after_rg, const char *after_name, long limit,
                            struct db_vnet **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {sub, rg, after_rg, after_name, lim};
    enum db_status st = db_exec(c, &db_vnet_list_q, 5, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_vnet_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

/* --- subnets -------------------------------------------------------------- */

#define SUBNET_COLUMNS                                                            \
    "s.id::text, s.vnet_id::text, s.name, s.etag::text, s.address_prefix::text,"  \
    " s.provisioning_state, coalesce(s.nsg_id::text, ''), coalesce(ng.name, '')," \
    " coalesce(n.name, '')"
#define SUBNET_FROM                                                           \
    " FROM subnets s LEFT JOIN network_security_groups n ON n.id = s.nsg_id"  \
    " LEFT JOIN resource_groups ng ON ng.subscription_id = n.subscription_id" \
    " AND ng.name_key = n.rg_key"

static void db_subnet_row(PGresult *r, int row, struct db_subnet *s)
{
    memset(s, 0, sizeof(*s));
    DB_COPY(s->id, r, row, 0);
    DB_COPY(s->vnet_id, r, row, 1);
    DB_COPY(s->name, r, row, 2);
    DB_COPY(s->etag, r, row, 3);
    DB_COPY(s->prefix, r, row, 4);
    DB_COPY(s->provisioning_state, r, row, 5);
    DB_COPY(s->nsg_id, r, row, 6);
    DB_COPY(s->nsg_rg, r, row, 7);
    DB_COPY(s->nsg_name, r, row, 8);
}

DB_STMT(db_subnet_list_q, "SELECT " SUBNET_COLUMNS SUBNET_FROM " WHERE s.vnet_id = ANY ($1::uuid[])"
                          " AND ($2::text IS NULL OR lower(s.name) > $2)"
                          " ORDER BY s.vnet_id, lower(s.name) LIMIT $3");

enum db_status db_subnet_list(struct db_conn *c, const char *const *vnet_ids, size_t nids,
                              const char *after_name, long limit, struct db_subnet **items,
                              size_t *n)
{
    char lim[24];
    PGresult *r;
    char *ids = db_vnet_array_literal(vnet_ids, nids);
    /* LIMIT NULL is no limit. */
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {ids, after_name, limit > 0 ? lim : NULL};
    enum db_status st = db_exec(c, &db_subnet_list_q, 3, params, &r);
    free(ids);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_subnet_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_subnet_get_q, "SELECT " SUBNET_COLUMNS SUBNET_FROM
                         " WHERE s.vnet_id = $1::uuid AND lower(s.name) = lower($2)");

enum db_status db_subnet_get(struct db_conn *c, const char *vnet_id, const char *name,
                             struct db_subnet *out)
{
    const char *params[] = {vnet_id, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_subnet_get_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_subnet_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_subnet_insert_q, "INSERT INTO subnets (id, vnet_id, name, etag, address_prefix, nsg_id)"
                            " VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::cidr, $6::uuid)");

enum db_status db_subnet_insert(struct db_conn *c, const char *id, const char *vnet_id,
                                const char *name, const char *etag, const char *prefix,
                                const char *nsg_id)
{
    const char *params[] = {id, vnet_id, name, etag, prefix, nsg_id};
    return db_exec(c, &db_subnet_insert_q, 6, params, NULL);
}

DB_STMT(db_subnet_update_q, "UPDATE subnets SET etag = $2::uuid, address_prefix = $3::cidr,"
                            " nsg_id = $4::uuid WHERE id = $1::uuid");

enum db_status db_subnet_update(struct db_conn *c, const char *id, const char *etag,
                                const char *prefix, const char *nsg_id)
{
    const char *params[] = {id, etag, prefix, nsg_id};
    return db_exec(c, &db_subnet_update_q, 4, params, NULL);
}

DB_STMT(db_subnet_delete_q, "DELETE FROM subnets WHERE id = $1::uuid");

enum db_status db_subnet_delete(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_subnet_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_subnet_users_q,
        "SELECT ic.subnet_id::text, n.id::text, g.name, n.name, ic.name"
        " FROM nic_ip_configurations ic JOIN network_interfaces n ON n.id = ic.nic_id"
        " JOIN resource_groups g ON g.subscription_id = n.subscription_id"
        " AND g.name_key = n.rg_key"
        " WHERE ic.subnet_id = ANY ($1::uuid[])"
        " ORDER BY ic.subnet_id, n.rg_key, lower(n.name), lower(ic.name)");

enum db_status db_subnet_users(struct db_conn *c, const char *const *subnet_ids, size_t nids,
                               struct db_subnet_user **items, size_t *n)
{
    PGresult *r;
    char *ids = db_vnet_array_literal(subnet_ids, nids);
    const char *params[] = {ids};
    enum db_status st = db_exec(c, &db_subnet_users_q, 1, params, &r);
    free(ids);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++) {
        struct db_subnet_user *u = &(*items)[i];
        DB_COPY(u->subnet_id, r, (int)i, 0);
        DB_COPY(u->nic_id, r, (int)i, 1);
        DB_COPY(u->nic_rg, r, (int)i, 2);
        DB_COPY(u->nic_name, r, (int)i, 3);
        DB_COPY(u->name, r, (int)i, 4);
    }
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_subnet_addresses_q,
        "SELECT (private_ip - '0.0.0.0'::inet)::text FROM nic_ip_configurations"
        " WHERE subnet_id = $1::uuid AND ($2::uuid IS NULL OR nic_id <> $2::uuid)"
        " ORDER BY private_ip");

enum db_status db_subnet_addresses(struct db_conn *c, const char *subnet_id, const char *except_nic,
                                   uint32_t **addrs, size_t *n)
{
    PGresult *r;
    const char *params[] = {subnet_id, except_nic};
    enum db_status st = db_exec(c, &db_subnet_addresses_q, 2, params, &r);
    *addrs = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *addrs = util_xcalloc(*n ? *n : 1, sizeof(**addrs));
    for (size_t i = 0; i < *n; i++)
        (*addrs)[i] = (uint32_t)strtoul(PQgetvalue(r, (int)i, 0), NULL, 10);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_vnet_nsg_find_q,
        "SELECT id::text, location FROM network_security_groups WHERE subscription_id = $1::uuid"
        " AND rg_key = lower($2) AND lower(name) = lower($3)");

enum db_status db_vnet_nsg_find(struct db_conn *c, const char *sub, const char *rg,
                                const char *name, char id[37], char location[65])
{
    const char *params[] = {sub, rg, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_vnet_nsg_find_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        snprintf(id, 37, "%s", PQgetvalue(r, 0, 0));
        snprintf(location, 65, "%s", PQgetvalue(r, 0, 1));
    } else {
        st = DB_NOT_FOUND;
    }
    PQclear(r);
    return st;
}
