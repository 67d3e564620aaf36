#include "db/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/util.h"
#include "db/op.h"

static enum db_status policy_ids(struct db_conn *c, struct db_stmt *q, const char *arg,
                                 char (**ids)[37], size_t *n)
{
    const char *params[] = {arg};
    PGresult *r;
    *ids = NULL;
    *n = 0;
    enum db_status st = db_exec(c, q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *ids = util_xcalloc(*n ? *n : 1, sizeof(**ids));
    for (size_t i = 0; i < *n; i++)
        snprintf((*ids)[i], sizeof((*ids)[i]), "%s", PQgetvalue(r, (int)i, 0));
    PQclear(r);
    return DB_OK;
}

/* Row locks in id order (two changes to overlapping NICs do not deadlock). */
DB_STMT(db_policy_bump_nsg_q,
        "WITH a AS (SELECT id FROM network_interfaces WHERE nsg_id = $1::uuid"
        " UNION SELECT ip.nic_id FROM nic_ip_configurations ip"
        " JOIN subnets s ON s.id = ip.subnet_id WHERE s.nsg_id = $1::uuid),"
        " l AS (SELECT n.id FROM network_interfaces n JOIN a ON a.id = n.id"
        " WHERE n.vf_index IS NOT NULL ORDER BY n.id FOR UPDATE OF n)"
        " UPDATE network_interfaces n SET vf_policy_generation ="
        " nextval('nic_policy_generation_seq') FROM l WHERE n.id = l.id RETURNING n.id::text");

enum db_status db_policy_bump_nsg(struct db_conn *c, const char *nsg_id, char (**ids)[37],
                                  size_t *n)
{
    return policy_ids(c, &db_policy_bump_nsg_q, nsg_id, ids, n);
}

DB_STMT(db_policy_bump_subnet_q,
        "WITH l AS (SELECT n.id FROM network_interfaces n"
        " WHERE n.vf_index IS NOT NULL AND n.id IN (SELECT nic_id FROM nic_ip_configurations"
        " WHERE subnet_id = $1::uuid) ORDER BY n.id FOR UPDATE OF n)"
        " UPDATE network_interfaces n SET vf_policy_generation ="
        " nextval('nic_policy_generation_seq') FROM l WHERE n.id = l.id RETURNING n.id::text");

enum db_status db_policy_bump_subnet(struct db_conn *c, const char *subnet_id, char (**ids)[37],
                                     size_t *n)
{
    return policy_ids(c, &db_policy_bump_subnet_q, subnet_id, ids, n);
}

DB_STMT(db_policy_states_q, "SELECT id::text, coalesce(vf_host, ''), (vf_index IS NOT NULL)::int,"
                            " coalesce(vf_policy_generation, 0), coalesce(vf_policy_acked, 0)"
                            " FROM network_interfaces WHERE id = ANY($1::uuid[]) ORDER BY id");

enum db_status db_policy_states(struct db_conn *c, const char *const *ids, size_t n,
                                struct db_policy_state **out, size_t *count)
{
    struct buf b = {0};
    buf_appendf(&b, "{");
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%s", i ? "," : "", ids[i]);
    buf_appendf(&b, "}");
    const char *params[] = {b.data};
    PGresult *r;
    *out = NULL;
    *count = 0;
    enum db_status st = db_exec(c, &db_policy_states_q, 1, params, &r);
    buf_free(&b);
    if (st != DB_OK)
        return st;
    *count = (size_t)PQntuples(r);
    *out = util_xcalloc(*count ? *count : 1, sizeof(**out));
    for (size_t i = 0; i < *count; i++) {
        struct db_policy_state *s = &(*out)[i];
        snprintf(s->nic_id, sizeof(s->nic_id), "%s", PQgetvalue(r, (int)i, 0));
        snprintf(s->host, sizeof(s->host), "%s", PQgetvalue(r, (int)i, 1));
        s->has_vf = atoi(PQgetvalue(r, (int)i, 2));
        s->wanted = strtoll(PQgetvalue(r, (int)i, 3), NULL, 10);
        s->acked = strtoll(PQgetvalue(r, (int)i, 4), NULL, 10);
    }
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_policy_ack_q,
        "UPDATE network_interfaces SET vf_policy_acked = GREATEST(coalesce(vf_policy_acked, 0),"
        " $3::bigint) WHERE id = $1::uuid AND vf_host = $2 AND vf_index IS NOT NULL");

enum db_status db_policy_ack(struct db_conn *c, const char *nic_id, const char *host,
                             long long generation)
{
    char gen[24];
    snprintf(gen, sizeof(gen), "%lld", generation);
    const char *params[] = {nic_id, host, gen};
    return db_exec(c, &db_policy_ack_q, 3, params, NULL);
}

/* Row locks in id order, as the bumps take them. */
DB_STMT(
    db_policy_ack_many_q,
    "WITH a AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS a(id, host, gen)),"
    " l AS (SELECT n.id, a.gen FROM network_interfaces n JOIN a ON a.id = n.id"
    " AND n.vf_host = a.host WHERE n.vf_index IS NOT NULL ORDER BY n.id FOR UPDATE OF n)"
    " UPDATE network_interfaces n SET vf_policy_acked = GREATEST(coalesce(n.vf_policy_acked,"
    " 0), l.gen) FROM l WHERE n.id = l.id");

/* One element of a text[] literal, quoted. */
static void policy_array_text(struct buf *b, const char *v)
{
    buf_append(b, "\"", 1);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            buf_append(b, "\\", 1);
        buf_append(b, v, 1);
    }
    buf_append(b, "\"", 1);
}

enum db_status db_policy_ack_many(struct db_conn *c, const char *const *nic_ids,
                                  const char *const *hosts, const long long *generations, size_t n)
{
    struct buf ids = {0}, hs = {0}, gens = {0};
    if (n == 0)
        return DB_OK;
    buf_append(&ids, "{", 1);
    buf_append(&hs, "{", 1);
    buf_append(&gens, "{", 1);
    for (size_t i = 0; i < n; i++) {
        const char *sep = i ? "," : "";
        buf_appendf(&ids, "%s", sep);
        policy_array_text(&ids, nic_ids[i]);
        buf_appendf(&hs, "%s", sep);
        policy_array_text(&hs, hosts[i]);
        buf_appendf(&gens, "%s%lld", sep, generations[i]);
    }
    buf_append(&ids, "}", 1);
    buf_append(&hs, "}", 1);
    buf_append(&gens, "}", 1);
    const char *params[] = {ids.data, hs.data, gens.data};
    enum db_status st = db_exec(c, &db_policy_ack_many_q, 3, params, NULL);
    buf_free(&ids);
    buf_free(&hs);
    buf_free(&gens);
    return st;
}

DB_STMT(
    db_policy_op_age_q,
    "SELECT extract(epoch FROM now() - start_time)::float8 FROM operations WHERE id = $1::uuid");

enum db_status db_policy_op_age(struct db_conn *c, const char *op_id, double *seconds)
{
    const char *params[] = {op_id};
    PGresult *r;
    *seconds = 0;
    enum db_status st = db_exec(c, &db_policy_op_age_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        *seconds = strtod(PQgetvalue(r, 0, 0), NULL);
    PQclear(r);
    return DB_OK;
}

/* NICs the change reaches whose VF is being attached right now (accelerated,
 * in a VM with an operation in progress, no VF recorded yet): their attach
 * may have read the rules before this change commits. */
DB_STMT(db_policy_inflight_q,
        "SELECT n.id::text FROM network_interfaces n WHERE n.vf_index IS NULL"
        " AND n.vm_id IS NOT NULL AND n.enable_accelerated_networking"
        " AND ((n.nsg_id = $1::uuid OR n.id IN (SELECT ip.nic_id FROM nic_ip_configurations ip"
        " JOIN subnets s ON s.id = ip.subnet_id WHERE s.nsg_id = $1::uuid))"
        " OR n.id IN (SELECT nic_id FROM nic_ip_configurations WHERE subnet_id = $2::uuid))"
        " AND EXISTS (SELECT 1 FROM operations o WHERE o.target_id = n.vm_id"
        " AND o.status = 'InProgress') ORDER BY 1");

static enum db_status policy_inflight(struct db_conn *c, const char *nsg_id, const char *subnet_id,
                                      json_t *out)
{
    const char *params[] = {nsg_id, subnet_id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_policy_inflight_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(out, json_string(PQgetvalue(r, i, 0)));
    PQclear(r);
    return DB_OK;
}

static enum db_status policy_insert(struct db_conn *c, char (*ids)[37], size_t n, json_t *inflight,
                                    const char *sub, const char *location, const char *resource_id,
                                    char op_id[37])
{
    if (n == 0 && json_array_size(inflight) == 0)
        return DB_OK;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(ids[i]));
    json_t *params = json_pack("{s:o, s:O}", "nics", arr, "inflight", inflight);
    char id[37];
    util_uuid4(id);
    enum db_status st =
        db_op_insert(c, id, sub, location, "policy.push", resource_id, NULL, params, "InProgress");
    json_decref(params);
    if (st == DB_OK)
        snprintf(op_id, 37, "%s", id);
    return st;
}

enum db_status db_policy_enqueue(struct db_conn *c, const char *nsg_id, const char *subnet_id,
                                 const char *sub, const char *location, const char *resource_id,
                                 char op_id[37])
{
    if (!nsg_id)
        return db_policy_enqueue_subnets(c, &subnet_id, 1, sub, location, resource_id, op_id);
    char(*ids)[37] = NULL;
    size_t n = 0;
    *op_id = '\0';
    json_t *inflight = json_array();
    /* In-flight attaches first: one that records its VF in between is then in
     * both lists rather than in neither. */
    enum db_status st = policy_inflight(c, nsg_id, NULL, inflight);
    if (st == DB_OK)
        st = db_policy_bump_nsg(c, nsg_id, &ids, &n);
    if (st == DB_OK)
        st = policy_insert(c, ids, n, inflight, sub, location, resource_id, op_id);
    json_decref(inflight);
    free(ids);
    return st;
}

/* One NIC whose own NSG changed: bumped when it has a VF, in-flight when its
 * VF is being attached. */
DB_STMT(db_policy_bump_nic_q,
        "UPDATE network_interfaces SET vf_policy_generation = nextval('nic_policy_generation_seq')"
        " WHERE id = $1::uuid AND vf_index IS NOT NULL RETURNING id::text");
DB_STMT(db_policy_inflight_nic_q,
        "SELECT n.id::text FROM network_interfaces n WHERE n.id = $1::uuid AND n.vf_index IS NULL"
        " AND n.vm_id IS NOT NULL AND n.enable_accelerated_networking"
        " AND EXISTS (SELECT 1 FROM operations o WHERE o.target_id = n.vm_id"
        " AND o.status = 'InProgress')");

enum db_status db_policy_enqueue_nic(struct db_conn *c, const char *nic_id, const char *sub,
                                     const char *location, const char *resource_id, char op_id[37])
{
    char(*ids)[37] = NULL, (*attaching)[37] = NULL;
    size_t n = 0, na = 0;
    *op_id = '\0';
    json_t *inflight = json_array();
    enum db_status st = policy_ids(c, &db_policy_inflight_nic_q, nic_id, &attaching, &na);
    for (size_t i = 0; st == DB_OK && i < na; i++)
        json_array_append_new(inflight, json_string(attaching[i]));
    if (st == DB_OK)
        st = policy_ids(c, &db_policy_bump_nic_q, nic_id, &ids, &n);
    if (st == DB_OK)
        st = policy_insert(c, ids, n, inflight, sub, location, resource_id, op_id);
    json_decref(inflight);
    free(attaching);
    free(ids);
    return st;
}

enum db_status db_policy_enqueue_subnets(struct db_conn *c, const char *const *subnet_ids,
                                         size_t nsubnets, const char *sub, const char *location,
                                         const char *resource_id, char op_id[37])
{
    char(*all)[37] = NULL;
    size_t nall = 0;
    enum db_status st = DB_OK;
    *op_id = '\0';
    json_t *inflight = json_array();
    for (size_t k = 0; k < nsubnets && st == DB_OK; k++) {
        char(*ids)[37] = NULL;
        size_t n = 0;
        st = policy_inflight(c, NULL, subnet_ids[k], inflight);
        if (st == DB_OK)
            st = db_policy_bump_subnet(c, subnet_ids[k], &ids, &n);
        if (st == DB_OK && n) {
            all = util_xrealloc(all, (nall + n) * sizeof(*all));
            memcpy(all[nall], ids[0], n * sizeof(*all));
            nall += n;
        }
        free(ids);
    }
    if (st == DB_OK)
        st = policy_insert(c, all, nall, inflight, sub, location, resource_id, op_id);
    json_decref(inflight);
    free(all);
    return st;
}

DB_STMT(db_policy_inflight_waiting_q,
        "SELECT count(*) FROM network_interfaces n WHERE n.id = ANY($1::uuid[])"
        " AND n.vf_index IS NULL AND n.vm_id IS NOT NULL AND EXISTS (SELECT 1 FROM operations o"
        " WHERE o.target_id = n.vm_id AND o.status = 'InProgress')");
DB_STMT(db_policy_rebump_q,
        "WITH l AS (SELECT id FROM network_interfaces WHERE id = ANY($1::uuid[])"
        " AND vf_index IS NOT NULL ORDER BY id FOR UPDATE)"
        " UPDATE network_interfaces n SET vf_policy_generation ="
        " nextval('nic_policy_generation_seq') FROM l WHERE n.id = l.id");

static char *policy_uuid_array(const char *const *ids, size_t n)
{
    struct buf b = {0};
    buf_appendf(&b, "{");
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%s", i ? "," : "", ids[i]);
    buf_appendf(&b, "}");
    return b.data;
}

enum db_status db_policy_inflight_waiting(struct db_conn *c, const char *const *ids, size_t n,
                                          long *waiting)
{
    char *arr = policy_uuid_array(ids, n);
    const char *params[] = {arr};
    PGresult *r;
    *waiting = 0;
    enum db_status st = db_exec(c, &db_policy_inflight_waiting_q, 1, params, &r);
    free(arr);
    if (st != DB_OK)
        return st;
    *waiting = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return DB_OK;
}

enum db_status db_policy_rebump(struct db_conn *c, const char *const *ids, size_t n)
{
    char *arr = policy_uuid_array(ids, n);
    const char *params[] = {arr};
    enum db_status st = db_exec(c, &db_policy_rebump_q, 1, params, NULL);
    free(arr);
    return st;
}

DB_STMT(db_policy_nic_context_q,
        "SELECT coalesce(sn.id::text, ''), coalesce(sr.name, ''), coalesce(sn.name, ''),"
        " vr.name, v.name, s.name,"
        " coalesce(nn.id::text, ''), coalesce(nr.name, ''), coalesce(nn.name, '')"
        " FROM network_interfaces n"
        " JOIN nic_ip_configurations ic ON ic.nic_id = n.id AND ic.is_primary"
        " JOIN subnets s ON s.id = ic.subnet_id"
        " JOIN virtual_networks v ON v.id = s.vnet_id"
        " JOIN resource_groups vr ON vr.subscription_id = v.subscription_id"
        " AND vr.name_key = v.rg_key"
        " LEFT JOIN network_security_groups sn ON sn.id = s.nsg_id"
        " LEFT JOIN resource_groups sr ON sr.subscription_id = sn.subscription_id"
        " AND sr.name_key = sn.rg_key"
        " LEFT JOIN network_security_groups nn ON nn.id = n.nsg_id"
        " LEFT JOIN resource_groups nr ON nr.subscription_id = nn.subscription_id"
        " AND nr.name_key = nn.rg_key"
        " WHERE n.id = $1::uuid");

#define PC_COPY(dst, r, col) snprintf((dst), sizeof(dst), "%s", PQgetvalue((r), 0, (col)))

enum db_status db_policy_nic_context(struct db_conn *c, const char *nic_id,
                                     struct db_policy_context *out)
{
    const char *params[] = {nic_id};
    PGresult *r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_exec(c, &db_policy_nic_context_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    PC_COPY(out->subnet_nsg_id, r, 0);
    PC_COPY(out->subnet_nsg_rg, r, 1);
    PC_COPY(out->subnet_nsg_name, r, 2);
    PC_COPY(out->vnet_rg, r, 3);
    PC_COPY(out->vnet_name, r, 4);
    PC_COPY(out->subnet_name, r, 5);
    PC_COPY(out->nic_nsg_id, r, 6);
    PC_COPY(out->nic_nsg_rg, r, 7);
    PC_COPY(out->nic_nsg_name, r, 8);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_policy_push_pending_q,
        "SELECT EXISTS (SELECT 1 FROM operations WHERE kind = 'policy.push'"
        " AND status = 'InProgress' AND (lower(resource_id) = lower($1)"
        " OR starts_with(lower(resource_id), lower($1) || '/')))");

enum db_status db_policy_push_pending(struct db_conn *c, const char *resource_id, int *pending)
{
    const char *params[] = {resource_id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_policy_push_pending_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *pending = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return DB_OK;
}
