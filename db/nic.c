#include "db/nic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define DB_COPY(dst, r, row, col) snprintf((dst), sizeof(dst), "%s", PQgetvalue((r), (row), (col)))

#define NIC_COLUMNS                                                                            \
    "n.id::text, n.subscription_id::text, g.name, n.name, n.location, n.etag::text,"           \
    " n.provisioning_state, upper(replace(n.mac_address::text, ':', '-')),"                    \
    " n.enable_accelerated_networking, n.enable_ip_forwarding, coalesce(n.nsg_id::text, ''),"  \
    " coalesce(sg.name, ''), coalesce(s.name, ''), coalesce(n.vm_id::text, ''), n.tags::text," \
    " coalesce(vmg.name, ''), coalesce(vm.name, ''), coalesce(n.vf_host, ''),"                 \
    " coalesce(n.vf_pf, ''), coalesce(n.vf_index, -1), coalesce(n.vf_pci_address, ''),"        \
    " coalesce(n.vf_representor, ''), coalesce(n.vf_driver, ''),"                              \
    " coalesce(n.vf_guest_driver, ''), coalesce(n.vf_state, ''),"                              \
    " coalesce(to_char(n.vf_state_changed_at AT TIME ZONE 'UTC',"                              \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"
#define NIC_FROM                                                                                 \
    " FROM network_interfaces n JOIN resource_groups g ON g.subscription_id = n.subscription_id" \
    " AND g.name_key = n.rg_key"                                                                 \
    " LEFT JOIN network_security_groups s ON s.id = n.nsg_id"                                    \
    " LEFT JOIN resource_groups sg ON sg.subscription_id = s.subscription_id"                    \
    " AND sg.name_key = s.rg_key"                                                                \
    " LEFT JOIN virtual_machines vm ON vm.id = n.vm_id"                                          \
    " LEFT JOIN resource_groups vmg ON vmg.subscription_id = vm.subscription_id"                 \
    " AND vmg.name_key = vm.rg_key"

void db_nic_free(struct db_nic *n)
{
    free(n->tags);
    free(n->configs);
    n->tags = NULL;
    n->configs = NULL;
    n->nconfigs = 0;
}

void db_nic_list_free(struct db_nic *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_nic_free(&items[i]);
    free(items);
}

static void db_nic_row(PGresult *r, int row, struct db_nic *n)
{
    memset(n, 0, sizeof(*n));
    DB_COPY(n->id, r, row, 0);
    DB_COPY(n->subscription_id, r, row, 1);
    DB_COPY(n->rg_name, r, row, 2);
    DB_COPY(n->name, r, row, 3);
    DB_COPY(n->location, r, row, 4);
    DB_COPY(n->etag, r, row, 5);
    DB_COPY(n->provisioning_state, r, row, 6);
    DB_COPY(n->mac, r, row, 7);
    n->accelerated_networking = PQgetvalue(r, row, 8)[0] == 't';
    n->ip_forwarding = PQgetvalue(r, row, 9)[0] == 't';
    DB_COPY(n->nsg_id, r, row, 10);
    DB_COPY(n->nsg_rg, r, row, 11);
    DB_COPY(n->nsg_name, r, row, 12);
    DB_COPY(n->vm_id, r, row, 13);
    n->tags = util_xstrdup(PQgetvalue(r, row, 14));
    DB_COPY(n->vm_rg, r, row, 15);
    DB_COPY(n->vm_name, r, row, 16);
    DB_COPY(n->vf.host, r, row, 17);
    DB_COPY(n->vf.pf, r, row, 18);
    n->vf.index = atol(PQgetvalue(r, row, 19));
    DB_COPY(n->vf.pci_address, r, row, 20);
    DB_COPY(n->vf.representor, r, row, 21);
    DB_COPY(n->vf.driver, r, row, 22);
    DB_COPY(n->vf.guest_driver, r, row, 23);
    DB_COPY(n->vf.state, r, row, 24);
    DB_COPY(n->vf.state_changed_at, r, row, 25);
}

DB_STMT(db_ipconfig_list_q,
        "SELECT ic.nic_id::text, ic.id::text, ic.name, ic.etag::text, ic.subnet_id::text,"
        " s.vnet_id::text, g.name, v.name, s.name, host(ic.private_ip), ic.allocation_method,"
        " ic.is_primary"
        " FROM nic_ip_configurations ic JOIN subnets s ON s.id = ic.subnet_id"
        " JOIN virtual_networks v ON v.id = s.vnet_id"
        " JOIN resource_groups g ON g.subscription_id = v.subscription_id"
        " AND g.name_key = v.rg_key"
        " WHERE ic.nic_id = ANY ($1::uuid[]) ORDER BY ic.nic_id, lower(ic.name)");

/* Fills the configs of nics[0..n). */
static enum db_status db_nic_configs(struct db_conn *c, struct db_nic *nics, size_t n)
{
    if (n == 0)
        return DB_OK;
    const char **ids = util_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        ids[i] = nics[i].id;
    char *lit = db_vnet_array_literal(ids, n);
    free(ids);
    const char *params[] = {lit};
    PGresult *r;
    enum db_status st = db_exec(c, &db_ipconfig_list_q, 1, params, &r);
    free(lit);
    if (st != DB_OK)
        return st;
    int rows = PQntuples(r);
    for (int row = 0; row < rows; row++) {
        const char *nic_id = PQgetvalue(r, row, 0);
        struct db_nic *nic = NULL;
        for (size_t i = 0; i < n && !nic; i++)
            if (strcmp(nics[i].id, nic_id) == 0)
                nic = &nics[i];
        if (!nic)
            continue;
        nic->configs = util_xrealloc(nic->configs, (nic->nconfigs + 1) * sizeof(*nic->configs));
        struct db_ipconfig *ic = &nic->configs[nic->nconfigs++];
        memset(ic, 0, sizeof(*ic));
        DB_COPY(ic->id, r, row, 1);
        DB_COPY(ic->name, r, row, 2);
        DB_COPY(ic->etag, r, row, 3);
        DB_COPY(ic->subnet_id, r, row, 4);
        DB_COPY(ic->vnet_id, r, row, 5);
        DB_COPY(ic->vnet_rg, r, row, 6);
        DB_COPY(ic->vnet_name, r, row, 7);
        DB_COPY(ic->subnet_name, r, row, 8);
        DB_COPY(ic->ip, r, row, 9);
        DB_COPY(ic->method, r, row, 10);
        ic->primary = PQgetvalue(r, row, 11)[0] == 't';
    }
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_nic_get_q, "SELECT " NIC_COLUMNS NIC_FROM
                      " WHERE n.subscription_id = $1::uuid AND n.rg_key = lower($2)"
                      " AND lower(n.name) = lower($3)");

enum db_status db_nic_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                          struct db_nic *out)
{
    const char *params[] = {sub, rg, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_nic_get_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    db_nic_row(r, 0, out);
    PQclear(r);
    st = db_nic_configs(c, out, 1);
    if (st != DB_OK)
        db_nic_free(out);
    return st;
}

/* macaddr reads "000d3a-xxxxxx"; the sequence never repeats a value. */
DB_STMT(db_nic_insert_q,
        "INSERT INTO network_interfaces (id, subscription_id, rg_key, name, location, tags, etag,"
        " mac_address, enable_accelerated_networking, enable_ip_forwarding, nsg_id)"
        " VALUES ($1::uuid, $2::uuid, lower($3), $4, $5, $6::jsonb, $7::uuid,"
        " ('000d3a-' || lpad(to_hex(nextval('nic_mac_seq')), 6, '0'))::macaddr,"
        " $8::boolean, $9::boolean, $10::uuid)");

enum db_status db_nic_insert(struct db_conn *c, const char *id, const char *sub, const char *rg,
                             const char *name, const char *location, const char *tags,
                             const char *etag, int accelerated_networking, int ip_forwarding,
                             const char *nsg_id)
{
    const char *params[] = {id,
                            sub,
                            rg,
                            name,
                            location,
                            tags,
                            etag,
                            accelerated_networking ? "true" : "false",
                            ip_forwarding ? "true" : "false",
                            nsg_id};
    return db_exec(c, &db_nic_insert_q, 10, params, NULL);
}

DB_STMT(db_nic_update_q, "UPDATE network_interfaces SET tags = $2::jsonb, etag = $3::uuid,"
                         " enable_ip_forwarding = $4::boolean, nsg_id = $5::uuid,"
                         " updated_at = now() WHERE id = $1::uuid");

enum db_status db_nic_update(struct db_conn *c, const char *id, const char *tags, const char *etag,
                             int ip_forwarding, const char *nsg_id)
{
    const char *params[] = {id, tags, etag, ip_forwarding ? "true" : "false", nsg_id};
    return db_exec(c, &db_nic_update_q, 5, params, NULL);
}

DB_STMT(db_nic_delete_q, "DELETE FROM network_interfaces WHERE id = $1::uuid");

enum db_status db_nic_delete(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_nic_delete_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_nic_list_q, "SELECT " NIC_COLUMNS NIC_FROM " WHERE n.subscription_id = $1::uuid"
                       " AND ($2::text IS NULL OR n.rg_key = lower($2))"
                       " AND ($3::text IS NULL OR (n.rg_key, lower(n.name)) > ($3, $4::text))"
                       " ORDER BY n.rg_key, lower(n.name) LIMIT $5");

enum db_status db_nic_list(struct db_conn *c, const char *sub, const char *rg, const char *after_rg,
                           const char *after_name, long limit, struct db_nic **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {sub, rg, after_rg, after_name, lim};
    enum db_status st = db_exec(c, &db_nic_list_q, 5, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct db_nic *nics = util_xcalloc(rows ? rows : 1, sizeof(*nics));
    for (size_t i = 0; i < rows; i++)
        db_nic_row(r, (int)i, &nics[i]);
    PQclear(r);
    st = db_nic_configs(c, nics, rows);
    if (st != DB_OK) {
        db_nic_list_free(nics, rows);
        return st;
    }
    *items = nics;
    *n = rows;
    return DB_OK;
}

DB_STMT(db_ipconfig_insert_q,
        "INSERT INTO nic_ip_configurations (id, nic_id, name, etag, subnet_id, private_ip,"
        " allocation_method, is_primary) VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid,"
        " $6::inet, $7, $8::boolean)");

enum db_status db_ipconfig_insert(struct db_conn *c, const char *id, const char *nic_id,
                                  const char *name, const char *etag, const char *subnet_id,
                                  const char *ip, const char *method, int primary)
{
    const char *params[] = {id,        nic_id, name,   etag,
                            subnet_id, ip,     method, primary ? "true" : "false"};
    return db_exec(c, &db_ipconfig_insert_q, 8, params, NULL);
}

DB_STMT(db_ipconfig_delete_all_q, "DELETE FROM nic_ip_configurations WHERE nic_id = $1::uuid");

enum db_status db_ipconfig_delete_all(struct db_conn *c, const char *nic_id)
{
    const char *params[] = {nic_id};
    return db_exec(c, &db_ipconfig_delete_all_q, 1, params, NULL);
}
