#include "db/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"

#define HOST_TS(col) \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"

/* The columns db_host_row() reads; T is the parameter that holds the
 * heartbeat timeout in seconds ("$2"). */
#define HOST_COLUMNS(T)                                                                            \
    "h.name, h.location, h.agent_url, coalesce(h.owner_token_id::text, ''),"                       \
    " (t.id IS NOT NULL AND t.revoked_at IS NULL), h.fault_domain, h.backend, h.agent_version,"    \
    " h.state, (h.last_heartbeat_at IS NOT NULL AND h.last_heartbeat_at > now() - " T              \
    "::int * interval '1 second'), " HOST_TS(                                                      \
        "h.last_heartbeat_at") ","                                                                 \
                               " h.vcpus_total, h.vcpus_used, h.memory_mb_total, "                 \
                               "h.memory_mb_used, h.vfs_total,"                                    \
                               " h.vfs_used, coalesce(h.agent_vfs_in_use, -1), " HOST_TS(          \
                                   "h.registered_at") ", " HOST_TS("h.updated_at") ","             \
                                                                                   " (SELECT "     \
                                                                                   "coalesce("     \
                                                                                   "json_agg("     \
                                                                                   "json_build_"   \
                                                                                   "array(p.name," \
                                                                                   " p.pci_"       \
                                                                                   "address, "     \
                                                                                   "p.vendor_id,"  \
                                                                                   " p.device_id," \
                                                                                   " p.vf_device_" \
                                                                                   "id, "          \
                                                                                   "p.num_vfs, "   \
                                                                                   "p.driver) "    \
                                                                                   "ORDER BY "     \
                                                                                   "p.name), "     \
                                                                                   "'[]')"         \
                                                                                   " FROM "        \
                                                                                   "host_pfs p "   \
                                                                                   "WHERE "        \
                                                                                   "p.host_name "  \
                                                                                   "= "            \
                                                                                   "h.name)::text"

#define HOST_FROM " FROM hosts h LEFT JOIN tokens t ON t.id = h.owner_token_id"

void db_host_free(struct db_host *h)
{
    free(h->agent_url);
    free(h->pfs);
    h->agent_url = NULL;
    h->pfs = NULL;
    h->npfs = 0;
}

void db_host_list_free(struct db_host *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_host_free(&items[i]);
    free(items);
}

static long long db_host_num(PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void db_host_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* The PFs column: [[name, pci, vendor, device, vf device, num_vfs, driver], ...]. */
static void db_host_pfs_parse(const char *text, struct db_host *h)
{
    json_t *a = json_loads(text, 0, NULL);
    size_t n = json_array_size(a);
    h->pfs = util_xcalloc(n ? n : 1, sizeof(*h->pfs));
    h->npfs = n;
    for (size_t i = 0; i < n; i++) {
        json_t *pf = json_array_get(a, i);
        struct db_host_pf *p = &h->pfs[i];
        db_host_copy(p->name, sizeof(p->name), json_string_value(json_array_get(pf, 0)));
        db_host_copy(p->pci_address, sizeof(p->pci_address),
                     json_string_value(json_array_get(pf, 1)));
        db_host_copy(p->vendor_id, sizeof(p->vendor_id), json_string_value(json_array_get(pf, 2)));
        db_host_copy(p->device_id, sizeof(p->device_id), json_string_value(json_array_get(pf, 3)));
        db_host_copy(p->vf_device_id, sizeof(p->vf_device_id),
                     json_string_value(json_array_get(pf, 4)));
        p->num_vfs = (int)json_integer_value(json_array_get(pf, 5));
        db_host_copy(p->driver, sizeof(p->driver), json_string_value(json_array_get(pf, 6)));
    }
    json_decref(a);
}

static void db_host_row(PGresult *r, int row, struct db_host *h)
{
    memset(h, 0, sizeof(*h));
    db_host_copy(h->name, sizeof(h->name), PQgetvalue(r, row, 0));
    db_host_copy(h->location, sizeof(h->location), PQgetvalue(r, row, 1));
    h->agent_url = util_xstrdup(PQgetvalue(r, row, 2));
    db_host_copy(h->owner_token_id, sizeof(h->owner_token_id), PQgetvalue(r, row, 3));
    h->owner_live = PQgetvalue(r, row, 4)[0] == 't';
    h->fault_domain = (int)db_host_num(r, row, 5);
    db_host_copy(h->backend, sizeof(h->backend), PQgetvalue(r, row, 6));
    db_host_copy(h->agent_version, sizeof(h->agent_version), PQgetvalue(r, row, 7));
    db_host_copy(h->state, sizeof(h->state), PQgetvalue(r, row, 8));
    h->healthy = PQgetvalue(r, row, 9)[0] == 't';
    db_host_copy(h->last_heartbeat_at, sizeof(h->last_heartbeat_at), PQgetvalue(r, row, 10));
    h->vcpus_total = (long)db_host_num(r, row, 11);
    h->vcpus_used = (long)db_host_num(r, row, 12);
    h->memory_mb_total = db_host_num(r, row, 13);
    h->memory_mb_used = db_host_num(r, row, 14);
    h->vfs_total = (long)db_host_num(r, row, 15);
    h->vfs_used = (long)db_host_num(r, row, 16);
    h->agent_vfs_in_use = (long)db_host_num(r, row, 17);
    db_host_copy(h->registered_at, sizeof(h->registered_at), PQgetvalue(r, row, 18));
    db_host_copy(h->updated_at, sizeof(h->updated_at), PQgetvalue(r, row, 19));
    db_host_pfs_parse(PQgetvalue(r, row, 20), h);
}

static enum db_status db_host_one(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                  const char *const *params, struct db_host *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_host_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

static enum db_status db_host_many(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                   const char *const *params, struct db_host **items, size_t *n)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n ? *n : 1, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_host_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_host_get_q, "SELECT " HOST_COLUMNS("$2") HOST_FROM " WHERE h.name = $1");

enum db_status db_host_get(struct db_conn *c, const char *name, unsigned timeout_s,
                           struct db_host *out)
{
    char t[16];
    snprintf(t, sizeof(t), "%u", timeout_s);
    const char *params[] = {name, t};
    return db_host_one(c, &db_host_get_q, 2, params, out);
}

DB_STMT(db_host_get_for_update_q,
        "SELECT " HOST_COLUMNS("$2") HOST_FROM " WHERE h.name = $1 FOR UPDATE OF h");

enum db_status db_host_get_for_update(struct db_conn *c, const char *name, unsigned timeout_s,
                                      struct db_host *out)
{
    char t[16];
    snprintf(t, sizeof(t), "%u", timeout_s);
    const char *params[] = {name, t};
    return db_host_one(c, &db_host_get_for_update_q, 2, params, out);
}

DB_STMT(db_host_list_q, "SELECT " HOST_COLUMNS("$3") HOST_FROM
        " WHERE ($1::text IS NULL OR h.name > $1) ORDER BY h.name LIMIT $2");

enum db_status db_host_list(struct db_conn *c, const char *after, long limit, unsigned timeout_s,
                            struct db_host **items, size_t *n)
{
    char lim[24], t[16];
    snprintf(lim, sizeof(lim), "%ld", limit);
    snprintf(t, sizeof(t), "%u", timeout_s);
    const char *params[] = {after, lim, t};
    return db_host_many(c, &db_host_list_q, 3, params, items, n);
}

DB_STMT(db_host_in_location_q,
        "SELECT " HOST_COLUMNS("$2") HOST_FROM " WHERE h.location = $1 ORDER BY h.name");

enum db_status db_host_in_location(struct db_conn *c, const char *location, unsigned timeout_s,
                                   struct db_host **items, size_t *n)
{
    char t[16];
    snprintf(t, sizeof(t), "%u", timeout_s);
    const char *params[] = {location, t};
    return db_host_many(c, &db_host_in_location_q, 2, params, items, n);
}

/* --- registration --------------------------------------------------------- */

DB_STMT(db_host_pfs_delete_q, "DELETE FROM host_pfs WHERE host_name = $1");
DB_STMT(db_host_pfs_insert_q,
        "INSERT INTO host_pfs (host_name, name, pci_address, vendor_id, device_id, vf_device_id,"
        " num_vfs, driver)"
        " SELECT $1, x->>0, x->>1, x->>2, x->>3, x->>4, (x->>5)::int, x->>6"
        " FROM json_array_elements($2::json) x");

static enum db_status db_host_pfs_write(struct db_conn *c, const char *name,
                                        const struct db_host_pf *pfs, size_t n, int replace)
{
    enum db_status st = DB_OK;
    const char *p1[] = {name};
    if (replace)
        st = db_exec(c, &db_host_pfs_delete_q, 1, p1, NULL);
    if (st != DB_OK || n == 0)
        return st;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("[s, s, s, s, s, i, s]", pfs[i].name, pfs[i].pci_address,
                                           pfs[i].vendor_id, pfs[i].device_id, pfs[i].vf_device_id,
                                           pfs[i].num_vfs, pfs[i].driver));
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    const char *p2[] = {name, text};
    st = db_exec(c, &db_host_pfs_insert_q, 2, p2, NULL);
    free(text);
    return st;
}

/* The text parameters of a registration, in the order of the statements
 * below ($1..$11). */
struct db_host_reg_params {
    char fd[16], vcpus[24], mem[24], vfs[24];
    const char *v[11];
};

static void db_host_reg_params(const struct db_host_reg *in, struct db_host_reg_params *p)
{
    snprintf(p->fd, sizeof(p->fd), "%d", in->fault_domain);
    snprintf(p->vcpus, sizeof(p->vcpus), "%ld", in->vcpus);
    snprintf(p->mem, sizeof(p->mem), "%lld", in->memory_mb);
    snprintf(p->vfs, sizeof(p->vfs), "%ld", in->vfs_total);
    const char *v[11] = {in->name,
                         in->location,
                         in->agent_url,
                         in->callback_token,
                         in->owner_token_id && *in->owner_token_id ? in->owner_token_id : NULL,
                         p->fd,
                         in->backend,
                         in->agent_version,
                         p->vcpus,
                         p->mem,
                         p->vfs};
    memcpy(p->v, v, sizeof(v));
}

DB_STMT(db_host_insert_q,
        "INSERT INTO hosts (name, location, agent_url, callback_token, owner_token_id,"
        " fault_domain, backend, agent_version, vcpus_total, memory_mb_total, vfs_total,"
        " last_heartbeat_at)"
        " VALUES ($1, $2, $3, $4, $5::uuid, $6::int, $7, $8, $9::int, $10::bigint, $11::int, now())"
        " ON CONFLICT (name) DO NOTHING RETURNING name");

enum db_status db_host_insert(struct db_conn *c, const struct db_host_reg *in)
{
    struct db_host_reg_params p;
    PGresult *r;
    db_host_reg_params(in, &p);
    enum db_status st = db_exec(c, &db_host_insert_q, 11, p.v, &r);
    if (st != DB_OK)
        return st;
    int inserted = PQntuples(r) == 1;
    PQclear(r);
    if (!inserted)
        return DB_RETRY; /* someone else registered it first: look again */
    return db_host_pfs_write(c, in->name, in->pfs, in->npfs, 0);
}

DB_STMT(db_host_update_q,
        "UPDATE hosts SET location = $2, agent_url = $3, callback_token = $4,"
        " owner_token_id = $5::uuid, fault_domain = $6::int, backend = $7, agent_version = $8,"
        " vcpus_total = $9::int, memory_mb_total = $10::bigint, vfs_total = $11::int,"
        " last_heartbeat_at = now(),"
        " updated_at = CASE WHEN (location, agent_url, callback_token, owner_token_id,"
        " fault_domain, backend, agent_version, vcpus_total, memory_mb_total, vfs_total)"
        " IS NOT DISTINCT FROM ($2, $3, $4, $5::uuid, $6::int, $7, $8, $9::int, $10::bigint,"
        " $11::int) AND NOT $12::boolean THEN updated_at ELSE now() END"
        " WHERE name = $1 RETURNING name");

enum db_status db_host_update(struct db_conn *c, const struct db_host_reg *in, int replace_pfs)
{
    struct db_host_reg_params p;
    PGresult *r;
    const char *params[12];
    db_host_reg_params(in, &p);
    memcpy(params, p.v, sizeof(p.v));
    params[11] = replace_pfs ? "true" : "false";
    enum db_status st = db_exec(c, &db_host_update_q, 12, params, &r);
    if (st != DB_OK)
        return st;
    int updated = PQntuples(r) == 1;
    PQclear(r);
    if (!updated)
        return DB_NOT_FOUND;
    return replace_pfs ? db_host_pfs_write(c, in->name, in->pfs, in->npfs, 1) : DB_OK;
}

/* --- heartbeats and state ------------------------------------------------- */

DB_STMT(db_host_heartbeat_q,
        "UPDATE hosts SET last_heartbeat_at = now(), agent_vfs_in_use = $3::int"
        " WHERE name = $1 AND ($2::uuid IS NULL OR owner_token_id = $2::uuid) RETURNING name");

enum db_status db_host_heartbeat(struct db_conn *c, const char *name, const char *owner,
                                 long vfs_in_use)
{
    char v[24];
    PGresult *r;
    snprintf(v, sizeof(v), "%ld", vfs_in_use);
    const char *params[] = {name, owner, v};
    enum db_status st = db_exec(c, &db_host_heartbeat_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_host_set_state_q, "UPDATE hosts SET state = $2,"
                             " updated_at = CASE WHEN state = $2 THEN updated_at ELSE now() END"
                             " WHERE name = $1 RETURNING name");

enum db_status db_host_set_state(struct db_conn *c, const char *name, const char *state,
                                 unsigned timeout_s, struct db_host *out)
{
    PGresult *r;
    const char *params[] = {name, state};
    enum db_status st = db_exec(c, &db_host_set_state_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found)
        return DB_NOT_FOUND;
    return db_host_get(c, name, timeout_s, out);
}

/* --- capacity ------------------------------------------------------------- */

/* The claim: one statement, so the check and the increment are atomic. With
 * several claimers on one row, PostgreSQL makes the later UPDATE wait for the
 * earlier one and then re-checks the WHERE clause against the row as the
 * earlier one left it: a claim that no longer fits matches no row. */
DB_STMT(db_host_claim_q,
        "UPDATE hosts SET vcpus_used = vcpus_used + $2::int,"
        " memory_mb_used = memory_mb_used + $3::bigint, vfs_used = vfs_used + $4::int"
        " WHERE name = $1 AND state = 'Enabled' AND NOT servicing"
        " AND last_heartbeat_at > now() - $5::int * interval '1 second'"
        " AND vcpus_used + $2::int <= vcpus_total"
        " AND memory_mb_used + $3::bigint <= memory_mb_total"
        " AND vfs_used + $4::int <= vfs_total"
        " RETURNING name");

enum db_status db_host_claim(struct db_conn *c, const char *name, long vcpus, long long memory_mb,
                             long vfs, unsigned timeout_s)
{
    char v[24], m[24], f[24], t[16];
    PGresult *r;
    snprintf(v, sizeof(v), "%ld", vcpus);
    snprintf(m, sizeof(m), "%lld", memory_mb);
    snprintf(f, sizeof(f), "%ld", vfs);
    snprintf(t, sizeof(t), "%u", timeout_s);
    const char *params[] = {name, v, m, f, t};
    enum db_status st = db_exec(c, &db_host_claim_q, 5, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_host_release_q,
        "UPDATE hosts SET vcpus_used = vcpus_used - $2::int,"
        " memory_mb_used = memory_mb_used - $3::bigint, vfs_used = vfs_used - $4::int"
        " WHERE name = $1 RETURNING name");

enum db_status db_host_release(struct db_conn *c, const char *name, long vcpus, long long memory_mb,
                               long vfs)
{
    char v[24], m[24], f[24];
    PGresult *r;
    snprintf(v, sizeof(v), "%ld", vcpus);
    snprintf(m, sizeof(m), "%lld", memory_mb);
    snprintf(f, sizeof(f), "%ld", vfs);
    const char *params[] = {name, v, m, f};
    enum db_status st = db_exec(c, &db_host_release_q, 4, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_host_agent_target_q, "SELECT agent_url, callback_token FROM hosts WHERE name = $1");

enum db_status db_host_agent_target(struct db_conn *c, const char *name, char **agent_url,
                                    char **callback_token)
{
    PGresult *r;
    const char *params[] = {name};
    *agent_url = *callback_token = NULL;
    enum db_status st = db_exec(c, &db_host_agent_target_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        *agent_url = util_xstrdup(PQgetvalue(r, 0, 0));
        *callback_token = util_xstrdup(PQgetvalue(r, 0, 1));
    } else {
        st = DB_NOT_FOUND;
    }
    PQclear(r);
    return st;
}

DB_STMT(db_host_callback_token_is_q, "SELECT callback_token = $2 FROM hosts WHERE name = $1");

enum db_status db_host_callback_token_is(struct db_conn *c, const char *name, const char *token,
                                         int *same)
{
    PGresult *r;
    const char *params[] = {name, token};
    enum db_status st = db_exec(c, &db_host_callback_token_is_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    *same = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return DB_OK;
}

/* --- declaring a host dead ------------------------------------------------ */

DB_STMT(db_host_vms_q,
        "SELECT v.subscription_id::text, g.name, v.name, count(*) OVER ()"
        " FROM virtual_machines v JOIN resource_groups g ON g.subscription_id = v.subscription_id"
        " AND g.name_key = v.rg_key WHERE v.host_name = $1 ORDER BY lower(v.name), v.id"
        " LIMIT $2::int");

enum db_status db_host_vms(struct db_conn *c, const char *name, long max, struct db_host_vm **out,
                           size_t *n, long *total)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", max);
    const char *params[] = {name, lim};
    *out = NULL;
    *n = 0;
    *total = 0;
    enum db_status st = db_exec(c, &db_host_vms_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *out = util_xcalloc(*n ? *n : 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        struct db_host_vm *v = &(*out)[i];
        db_host_copy(v->subscription_id, sizeof(v->subscription_id), PQgetvalue(r, (int)i, 0));
        db_host_copy(v->rg_name, sizeof(v->rg_name), PQgetvalue(r, (int)i, 1));
        db_host_copy(v->name, sizeof(v->name), PQgetvalue(r, (int)i, 2));
        *total = (long)db_host_num(r, (int)i, 3);
    }
    PQclear(r);
    return DB_OK;
}

/* The NICs counted once: a vf.release operation's NIC usually also waits
 * in network_interfaces (vf_host alone) until it ends. */
DB_STMT(db_host_vfs_pending_q,
        "SELECT count(*) FROM (SELECT id::text AS nic FROM network_interfaces WHERE vf_host = $1"
        " UNION SELECT lower(params->>'nicId') FROM operations WHERE kind = 'vf.release'"
        " AND status = 'InProgress' AND params->>'host' = $1) x");

enum db_status db_host_vfs_pending(struct db_conn *c, const char *name, long *n)
{
    PGresult *r;
    const char *params[] = {name};
    *n = 0;
    enum db_status st = db_exec(c, &db_host_vfs_pending_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        *n = (long)db_host_num(r, 0, 0);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_host_vf_releases_end_q,
        "UPDATE operations SET status = 'Succeeded', step = 'hostDeclaredDead', end_time = now(),"
        " lease_owner = NULL, leased_until = NULL, error = NULL"
        " WHERE kind = 'vf.release' AND status = 'InProgress' AND params->>'host' = $1"
        " RETURNING id::text, coalesce(lower(params->>'nicId'), '')");

enum db_status db_host_vf_releases_end(struct db_conn *c, const char *name, json_t *op_ids,
                                       json_t *nic_ids)
{
    PGresult *r;
    const char *params[] = {name};
    enum db_status st = db_exec(c, &db_host_vf_releases_end_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++) {
        json_array_append_new(op_ids, json_string(PQgetvalue(r, i, 0)));
        if (*PQgetvalue(r, i, 1))
            json_object_set_new(nic_ids, PQgetvalue(r, i, 1), json_true());
    }
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_host_nics_vf_clear_q,
        "UPDATE network_interfaces SET vf_host = NULL, vf_pf = NULL, vf_index = NULL,"
        " vf_pci_address = NULL, vf_representor = NULL, vf_driver = NULL, vf_guest_driver = NULL,"
        " vf_policy_generation = NULL, vf_policy_acked = NULL, vf_state = NULL,"
        " vf_state_changed_at = NULL, etag = gen_random_uuid(), updated_at = now()"
        " WHERE vf_host = $1 RETURNING id::text");

enum db_status db_host_nics_vf_clear(struct db_conn *c, const char *name, json_t *nic_ids)
{
    PGresult *r;
    const char *params[] = {name};
    enum db_status st = db_exec(c, &db_host_nics_vf_clear_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    for (int i = 0; i < PQntuples(r); i++)
        json_object_set_new(nic_ids, PQgetvalue(r, i, 0), json_true());
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_host_delete_q, "DELETE FROM hosts WHERE name = $1 RETURNING name");

enum db_status db_host_delete(struct db_conn *c, const char *name)
{
    PGresult *r;
    const char *params[] = {name};
    enum db_status st = db_exec(c, &db_host_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}
