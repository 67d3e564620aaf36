#include "db/nsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

void db_nsg_free(struct db_nsg *n)
{
    free(n->tags);
    n->tags = NULL;
}

void db_nsg_list_free(struct db_nsg *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_nsg_free(&items[i]);
    free(items);
}

void db_secrule_free(struct db_secrule *r)
{
    nsgrule_free(&r->rule);
}

void db_secrule_list_free(struct db_secrule *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_secrule_free(&items[i]);
    free(items);
}

static void db_nsg_ref_free(struct db_nsg_ref *r)
{
    free(r->rg_name);
    free(r->vnet);
    free(r->name);
}

void db_nsg_refs_free(struct db_nsg_refs *r)
{
    for (size_t i = 0; i < r->nnics; i++)
        db_nsg_ref_free(&r->nics[i]);
    for (size_t i = 0; i < r->nsubnets; i++)
        db_nsg_ref_free(&r->subnets[i]);
    free(r->nics);
    free(r->subnets);
    memset(r, 0, sizeof(*r));
}

/* A uuid[] parameter: '{a,b,c}'. The ids come from the database (or are
 * generated), never from a client. Caller frees. */
static char *db_nsg_uuid_array(const char *const *ids, size_t n)
{
    struct buf b = {0};
    buf_append(&b, "{", 1);
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%s", i ? "," : "", ids[i]);
    buf_append(&b, "}", 1);
    return b.data;
}

/* --- groups ----------------------------------------------------------------- */

#define NSG_COLUMNS                                                               \
    "n.id::text, n.subscription_id::text, r.name, n.rg_key, n.name, n.location, " \
    "n.etag::text, n.generation::text, n.tags::text"
#define NSG_FROM                                             \
    " FROM network_security_groups n JOIN resource_groups r" \
    " ON r.subscription_id = n.subscription_id AND r.name_key = n.rg_key"

static void db_nsg_row(PGresult *r, int row, struct db_nsg *n)
{
    memset(n, 0, sizeof(*n));
    snprintf(n->id, sizeof(n->id), "%s", PQgetvalue(r, row, 0));
    snprintf(n->subscription_id, sizeof(n->subscription_id), "%s", PQgetvalue(r, row, 1));
    snprintf(n->rg_name, sizeof(n->rg_name), "%s", PQgetvalue(r, row, 2));
    snprintf(n->rg_key, sizeof(n->rg_key), "%s", PQgetvalue(r, row, 3));
    snprintf(n->name, sizeof(n->name), "%s", PQgetvalue(r, row, 4));
    snprintf(n->location, sizeof(n->location), "%s", PQgetvalue(r, row, 5));
    snprintf(n->etag, sizeof(n->etag), "%s", PQgetvalue(r, row, 6));
    n->generation = strtoll(PQgetvalue(r, row, 7), NULL, 10);
    n->tags = util_xstrdup(PQgetvalue(r, row, 8));
}

DB_STMT(db_nsg_get_q, "SELECT " NSG_COLUMNS NSG_FROM
                      " WHERE n.subscription_id = $1::uuid AND n.rg_key = lower($2)"
                      " AND lower(n.name) = lower($3)");

enum db_status db_nsg_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                          struct db_nsg *out)
{
    const char *params[] = {sub, rg, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_nsg_get_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_nsg_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_nsg_insert_q,
        "INSERT INTO network_security_groups (id, subscription_id, rg_key, name, location, tags,"
        " etag) VALUES ($1::uuid, $2::uuid, lower($3), $4, $5, $6::jsonb, $7::uuid)");

enum db_status db_nsg_insert(struct db_conn *c, const char *id, const char *sub, const char *rg,
                             const char *name, const char *location, const char *tags,
                             const char *etag)
{
    const char *params[] = {id, sub, rg, name, location, tags, etag};
    return db_exec(c, &db_nsg_insert_q, 7, params, NULL);
}

DB_STMT(db_nsg_update_q, "UPDATE network_security_groups SET tags = $2::jsonb, etag = $3::uuid,"
                         " generation = generation + $4::int, updated_at = now()"
                         " WHERE id = $1::uuid");

enum db_status db_nsg_update(struct db_conn *c, const char *id, const char *tags, const char *etag,
                             int bump_generation)
{
    const char *params[] = {id, tags, etag, bump_generation ? "1" : "0"};
    PGresult *r;
    enum db_status st = db_exec(c, &db_nsg_update_q, 4, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "1") != 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_nsg_delete_q, "DELETE FROM network_security_groups WHERE id = $1::uuid");

enum db_status db_nsg_delete(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_nsg_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_nsg_list_rg_q, "SELECT " NSG_COLUMNS NSG_FROM
                          " WHERE n.subscription_id = $1::uuid AND n.rg_key = lower($2)"
                          " AND ($3::text IS NULL OR lower(n.name) > $3)"
                          " ORDER BY lower(n.name) LIMIT $4");
DB_STMT(db_nsg_list_sub_q,
        "SELECT " NSG_COLUMNS NSG_FROM " WHERE n.subscription_id = $1::uuid"
        " AND ($2::text IS NULL OR (n.rg_key, lower(n.name)) > ($2::text, $3::text))"
        " ORDER BY n.rg_key, lower(n.name) LIMIT $4");

enum db_status db_nsg_list(struct db_conn *c, const char *sub, const char *rg, const char *after_rg,
                           const char *after_name, long limit, struct db_nsg **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    enum db_status st;
    snprintf(lim, sizeof(lim), "%ld", limit);
    *items = NULL;
    *n = 0;
    if (rg) {
        const char *params[] = {sub, rg, after_name, lim};
        st = db_exec(c, &db_nsg_list_rg_q, 4, params, &r);
    } else {
        const char *params[] = {sub, after_rg, after_name ? after_name : "", lim};
        st = db_exec(c, &db_nsg_list_sub_q, 4, params, &r);
    }
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_nsg_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

/* --- rules --------------------------------------------------------------------- */

#define RULE_COLUMNS                                                                     \
    "id::text, nsg_id::text, etag::text, name, description, priority::text, direction, " \
    "access, protocol, array_to_json(source_address_prefixes)::text, "                   \
    "array_to_json(destination_address_prefixes)::text, "                                \
    "array_to_json(source_port_ranges)::text, array_to_json(destination_port_ranges)::text"

/* A stored rule that does not parse is a broken database: DB_ERROR. */
static enum db_status db_secrule_row(PGresult *r, int row, struct db_secrule *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, row, 0));
    snprintf(out->nsg_id, sizeof(out->nsg_id), "%s", PQgetvalue(r, row, 1));
    snprintf(out->etag, sizeof(out->etag), "%s", PQgetvalue(r, row, 2));
    if (nsgrule_from_columns(&out->rule, PQgetvalue(r, row, 3), PQgetvalue(r, row, 4),
                             PQgetvalue(r, row, 5), PQgetvalue(r, row, 6), PQgetvalue(r, row, 7),
                             PQgetvalue(r, row, 8), PQgetvalue(r, row, 9), PQgetvalue(r, row, 10),
                             PQgetvalue(r, row, 11), PQgetvalue(r, row, 12)) != 0) {
        log_error("security rule %s does not parse", out->id);
        return DB_ERROR;
    }
    return DB_OK;
}

static enum db_status db_secrule_rows(PGresult *r, struct db_secrule **items, size_t *n)
{
    size_t count = (size_t)PQntuples(r);
    struct db_secrule *v = util_xcalloc(count ? count : 1, sizeof(*v));
    for (size_t i = 0; i < count; i++) {
        if (db_secrule_row(r, (int)i, &v[i]) != DB_OK) {
            db_secrule_list_free(v, i + 1);
            return DB_ERROR;
        }
    }
    *items = v;
    *n = count;
    return DB_OK;
}

DB_STMT(db_secrule_list_q, "SELECT " RULE_COLUMNS " FROM security_rules"
                           " WHERE nsg_id = ANY($1::uuid[])"
                           " AND ($2::text IS NULL OR lower(name) > $2)"
                           " ORDER BY nsg_id, lower(name) LIMIT $3");

enum db_status db_secrule_list(struct db_conn *c, const char *const *nsg_ids, size_t n_ids,
                               const char *after, long limit, struct db_secrule **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    *items = NULL;
    *n = 0;
    char *ids = db_nsg_uuid_array(nsg_ids, n_ids);
    if (limit > 0)
        snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {ids, after, limit > 0 ? lim : NULL};
    enum db_status st = db_exec(c, &db_secrule_list_q, 3, params, &r);
    free(ids);
    if (st != DB_OK)
        return st;
    st = db_secrule_rows(r, items, n);
    PQclear(r);
    return st;
}

DB_STMT(db_secrule_get_q, "SELECT " RULE_COLUMNS " FROM security_rules"
                          " WHERE nsg_id = $1::uuid AND lower(name) = lower($2)");

enum db_status db_secrule_get(struct db_conn *c, const char *nsg_id, const char *name,
                              struct db_secrule *out)
{
    const char *params[] = {nsg_id, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_secrule_get_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        st = db_secrule_row(r, 0, out);
        if (st != DB_OK)
            db_secrule_free(out);
    } else {
        st = DB_NOT_FOUND;
    }
    PQclear(r);
    return st;
}

/* The lists go in as JSON arrays of their canonical text. */
DB_STMT(db_secrule_insert_q,
        "INSERT INTO security_rules (id, nsg_id, name, etag, description, priority, direction,"
        " access, protocol, source_address_prefixes, destination_address_prefixes,"
        " source_port_ranges, destination_port_ranges)"
        " VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5, $6::int, $7, $8, $9,"
        " ARRAY(SELECT jsonb_array_elements_text($10::jsonb)),"
        " ARRAY(SELECT jsonb_array_elements_text($11::jsonb)),"
        " ARRAY(SELECT jsonb_array_elements_text($12::jsonb)),"
        " ARRAY(SELECT jsonb_array_elements_text($13::jsonb)))");

enum db_status db_secrule_insert(struct db_conn *c, const char *id, const char *nsg_id,
                                 const char *etag, const struct nsgrule *rule)
{
    char prio[16];
    snprintf(prio, sizeof(prio), "%d", rule->priority);
    char *src = nsgrule_addrs_text(rule->src, rule->nsrc);
    char *dst = nsgrule_addrs_text(rule->dst, rule->ndst);
    char *sp = nsgrule_ports_text(rule->src_ports, rule->nsrc_ports);
    char *dp = nsgrule_ports_text(rule->dst_ports, rule->ndst_ports);
    const char *params[] = {id,
                            nsg_id,
                            rule->name,
                            etag,
                            rule->description ? rule->description : "",
                            prio,
                            nsgrule_direction_name(rule->direction),
                            nsgrule_access_name(rule->access),
                            nsgrule_protocol_name(rule->protocol),
                            src,
                            dst,
                            sp,
                            dp};
    enum db_status st = db_exec(c, &db_secrule_insert_q, 13, params, NULL);
    free(src);
    free(dst);
    free(sp);
    free(dp);
    return st;
}

DB_STMT(db_secrule_delete_q, "DELETE FROM security_rules WHERE id = $1::uuid");

enum db_status db_secrule_delete(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_secrule_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

/* --- references ------------------------------------------------------------------ */

DB_STMT(db_nsg_refs_nics_q,
        "SELECT i.nsg_id::text, i.id::text, i.subscription_id::text, r.name, NULL, i.name"
        " FROM network_interfaces i JOIN resource_groups r"
        " ON r.subscription_id = i.subscription_id AND r.name_key = i.rg_key"
        " WHERE i.nsg_id = ANY($1::uuid[])"
        " ORDER BY i.nsg_id, i.rg_key, lower(i.name)");
DB_STMT(db_nsg_refs_subnets_q,
        "SELECT s.nsg_id::text, s.id::text, v.subscription_id::text, r.name, v.name, s.name"
        " FROM subnets s JOIN virtual_networks v ON v.id = s.vnet_id"
        " JOIN resource_groups r ON r.subscription_id = v.subscription_id"
        " AND r.name_key = v.rg_key"
        " WHERE s.nsg_id = ANY($1::uuid[])"
        " ORDER BY s.nsg_id, v.rg_key, lower(v.name), lower(s.name)");

static enum db_status db_nsg_refs_query(struct db_conn *c, struct db_stmt *q, const char *ids,
                                        struct db_nsg_ref **out, size_t *n)
{
    const char *params[] = {ids};
    PGresult *r;
    enum db_status st = db_exec(c, q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *out = util_xcalloc(*n ? *n : 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        struct db_nsg_ref *ref = &(*out)[i];
        snprintf(ref->nsg_id, sizeof(ref->nsg_id), "%s", PQgetvalue(r, (int)i, 0));
        snprintf(ref->id, sizeof(ref->id), "%s", PQgetvalue(r, (int)i, 1));
        snprintf(ref->subscription_id, sizeof(ref->subscription_id), "%s",
                 PQgetvalue(r, (int)i, 2));
        ref->rg_name = util_xstrdup(PQgetvalue(r, (int)i, 3));
        ref->vnet = PQgetisnull(r, (int)i, 4) ? NULL : util_xstrdup(PQgetvalue(r, (int)i, 4));
        ref->name = util_xstrdup(PQgetvalue(r, (int)i, 5));
    }
    PQclear(r);
    return DB_OK;
}

enum db_status db_nsg_refs_get(struct db_conn *c, const char *const *nsg_ids, size_t n_ids,
                               struct db_nsg_refs *out)
{
    memset(out, 0, sizeof(*out));
    char *ids = db_nsg_uuid_array(nsg_ids, n_ids);
    enum db_status st = db_nsg_refs_query(c, &db_nsg_refs_nics_q, ids, &out->nics, &out->nnics);
    if (st == DB_OK)
        st = db_nsg_refs_query(c, &db_nsg_refs_subnets_q, ids, &out->subnets, &out->nsubnets);
    free(ids);
    if (st != DB_OK)
        db_nsg_refs_free(out);
    return st;
}

DB_STMT(db_nsg_nics_affected_q, "SELECT id::text FROM network_interfaces WHERE nsg_id = $1::uuid"
                                " UNION"
                                " SELECT ip.nic_id::text FROM nic_ip_configurations ip"
                                " JOIN subnets s ON s.id = ip.subnet_id WHERE s.nsg_id = $1::uuid"
                                " ORDER BY 1");

enum db_status db_nsg_nics_affected(struct db_conn *c, const char *nsg_id, char (**ids)[37],
                                    size_t *n)
{
    const char *params[] = {nsg_id};
    PGresult *r;
    *ids = NULL;
    *n = 0;
    enum db_status st = db_exec(c, &db_nsg_nics_affected_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *ids = util_xcalloc(*n ? *n : 1, sizeof(**ids));
    for (size_t i = 0; i < *n; i++)
        snprintf((*ids)[i], sizeof((*ids)[i]), "%s", PQgetvalue(r, (int)i, 0));
    PQclear(r);
    return DB_OK;
}
