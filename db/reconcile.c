#include "db/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/util.h"

/* "acnr": accelnet reconciler. */
#define RECONCILE_LOCK_KEY "1633906290"

DB_STMT(db_reconcile_lock_q, "SELECT pg_try_advisory_lock(" RECONCILE_LOCK_KEY ")::int");
DB_STMT(db_reconcile_unlock_q, "SELECT pg_advisory_unlock(" RECONCILE_LOCK_KEY ")::int");

enum db_status db_reconcile_try_lock(struct db_conn *c, int *got)
{
    PGresult *r;
    *got = 0;
    enum db_status st = db_exec(c, &db_reconcile_lock_q, 0, NULL, &r);
    if (st != DB_OK)
        return st;
    *got = PQntuples(r) == 1 && atoi(PQgetvalue(r, 0, 0)) == 1;
    PQclear(r);
    return DB_OK;
}

enum db_status db_reconcile_unlock(struct db_conn *c)
{
    PGresult *r;
    enum db_status st = db_exec(c, &db_reconcile_unlock_q, 0, NULL, &r);
    if (st == DB_OK)
        PQclear(r);
    return st;
}

DB_STMT(db_reconcile_hosts_q,
        "SELECT name, agent_url, callback_token FROM hosts WHERE last_heartbeat_at IS NOT NULL"
        " AND last_heartbeat_at > now() - make_interval(secs => $1::int) ORDER BY name");

enum db_status db_reconcile_hosts(struct db_conn *c, unsigned timeout_s,
                                  struct db_reconcile_host **out, size_t *n)
{
    char t[16];
    snprintf(t, sizeof(t), "%u", timeout_s);
    const char *params[] = {t};
    PGresult *r;
    *out = NULL;
    *n = 0;
    enum db_status st = db_exec(c, &db_reconcile_hosts_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *out = util_xcalloc(*n ? *n : 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        snprintf((*out)[i].name, sizeof((*out)[i].name), "%s", PQgetvalue(r, (int)i, 0));
        (*out)[i].url = util_xstrdup(PQgetvalue(r, (int)i, 1));
        (*out)[i].token = util_xstrdup(PQgetvalue(r, (int)i, 2));
    }
    PQclear(r);
    return DB_OK;
}

void db_reconcile_hosts_free(struct db_reconcile_host *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].url);
        free(h[i].token);
    }
    free(h);
}

DB_STMT(db_reconcile_host_nics_q,
        "SELECT id::text, coalesce(vm_id::text, ''), (vf_index IS NOT NULL)::int,"
        " coalesce(vf_index, -1), coalesce(vf_policy_generation, 0),"
        " coalesce(vf_policy_acked, 0) FROM network_interfaces WHERE vf_host = $1"
        " ORDER BY vf_index NULLS LAST, id");

enum db_status db_reconcile_host_nics(struct db_conn *c, const char *host,
                                      struct db_reconcile_nic **out, size_t *n)
{
    const char *params[] = {host};
    PGresult *r;
    *out = NULL;
    *n = 0;
    enum db_status st = db_exec(c, &db_reconcile_host_nics_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *out = util_xcalloc(*n ? *n : 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        struct db_reconcile_nic *x = &(*out)[i];
        snprintf(x->nic_id, sizeof(x->nic_id), "%s", PQgetvalue(r, (int)i, 0));
        snprintf(x->vm_id, sizeof(x->vm_id), "%s", PQgetvalue(r, (int)i, 1));
        x->has_vf = atoi(PQgetvalue(r, (int)i, 2));
        x->vf_index = atol(PQgetvalue(r, (int)i, 3));
        x->wanted = strtoll(PQgetvalue(r, (int)i, 4), NULL, 10);
        x->acked = strtoll(PQgetvalue(r, (int)i, 5), NULL, 10);
    }
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_reconcile_busy_q,
        "SELECT EXISTS (SELECT 1 FROM operations WHERE status = 'InProgress' AND"
        " (($1::text <> '' AND target_id::text = $1)"
        " OR (kind = 'vf.release' AND lower(params->>'nicId') = lower($2) AND params->>'host' = $3)"
        " OR (target_id IS NOT NULL AND target_id IN (SELECT vm_id FROM network_interfaces"
        " WHERE id::text = $2))))::int");

enum db_status db_reconcile_busy(struct db_conn *c, const char *vm_id, const char *nic_id,
                                 const char *host, int *busy)
{
    const char *params[] = {vm_id ? vm_id : "", nic_id, host};
    PGresult *r;
    *busy = 1;
    enum db_status st = db_exec(c, &db_reconcile_busy_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    *busy = PQntuples(r) == 1 && atoi(PQgetvalue(r, 0, 0)) == 1;
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_reconcile_vf_update_q,
        "UPDATE network_interfaces SET vf_pf = $3, vf_index = $4::integer, vf_pci_address = $5,"
        " vf_representor = $6, vf_driver = $7,"
        " vf_policy_acked = GREATEST(coalesce(vf_policy_acked, 0), $8::bigint),"
        " etag = gen_random_uuid(), updated_at = now()"
        " WHERE id = $1::uuid AND vf_host = $2 AND vf_index IS NOT NULL");

enum db_status db_reconcile_vf_update(struct db_conn *c, const char *nic_id, const char *host,
                                      const char *pf, long index, const char *pci_address,
                                      const char *representor, const char *driver,
                                      long long generation)
{
    char idx[24], gen[24];
    snprintf(idx, sizeof(idx), "%ld", index);
    snprintf(gen, sizeof(gen), "%lld", generation);
    const char *params[] = {nic_id, host, pf, idx, pci_address, representor, driver, gen};
    return db_exec(c, &db_reconcile_vf_update_q, 8, params, NULL);
}
