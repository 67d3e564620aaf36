#include "db/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define DB_COPY(dst, r, row, col) snprintf((dst), sizeof(dst), "%s", PQgetvalue((r), (row), (col)))

#define VM_COLUMNS                                                                            \
    "v.id::text, v.subscription_id::text, g.name, v.name, v.location, v.etag::text,"          \
    " v.tags::text, v.vm_size, v.image_publisher, v.image_offer, v.image_sku,"                \
    " v.image_version, v.computer_name, v.admin_username, v.network_profile::text,"           \
    " v.provisioning_state, v.power_state, coalesce(v.host_name, ''), v.claim_vcpus,"         \
    " v.claim_memory_mb, v.claim_vfs,"                                                        \
    " to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"         \
    " CASE WHEN v.provisioning_state = 'Failed' THEN (SELECT o.error::text FROM operations o" \
    " WHERE o.target_id = v.id AND o.status = 'Failed' ORDER BY o.end_time DESC LIMIT 1) END"
#define VM_FROM                                                                                \
    " FROM virtual_machines v JOIN resource_groups g ON g.subscription_id = v.subscription_id" \
    " AND g.name_key = v.rg_key"

void db_vm_free(struct db_vm *v)
{
    free(v->tags);
    free(v->error_message);
    v->error_message = NULL;
    json_decref(v->network_profile);
    v->tags = NULL;
    v->network_profile = NULL;
}

void db_vm_list_free(struct db_vm *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_vm_free(&items[i]);
    free(items);
}

static void db_vm_row(PGresult *r, int row, struct db_vm *v)
{
    memset(v, 0, sizeof(*v));
    DB_COPY(v->id, r, row, 0);
    DB_COPY(v->subscription_id, r, row, 1);
    DB_COPY(v->rg_name, r, row, 2);
    DB_COPY(v->name, r, row, 3);
    DB_COPY(v->location, r, row, 4);
    DB_COPY(v->etag, r, row, 5);
    v->tags = util_xstrdup(PQgetvalue(r, row, 6));
    DB_COPY(v->vm_size, r, row, 7);
    DB_COPY(v->image_publisher, r, row, 8);
    DB_COPY(v->image_offer, r, row, 9);
    DB_COPY(v->image_sku, r, row, 10);
    DB_COPY(v->image_version, r, row, 11);
    DB_COPY(v->computer_name, r, row, 12);
    DB_COPY(v->admin_username, r, row, 13);
    v->network_profile = json_loads(PQgetvalue(r, row, 14), 0, NULL);
    if (!json_is_array(v->network_profile)) {
        json_decref(v->network_profile);
        v->network_profile = json_array();
    }
    DB_COPY(v->provisioning_state, r, row, 15);
    DB_COPY(v->power_state, r, row, 16);
    DB_COPY(v->host_name, r, row, 17);
    v->claim_vcpus = atol(PQgetvalue(r, row, 18));
    v->claim_memory_mb = atoll(PQgetvalue(r, row, 19));
    v->claim_vfs = atol(PQgetvalue(r, row, 20));
    DB_COPY(v->created_at, r, row, 21);
    if (!PQgetisnull(r, row, 22)) {
        json_t *e = json_loads(PQgetvalue(r, row, 22), 0, NULL);
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (code)
            snprintf(v->error_code, sizeof(v->error_code), "%s", code);
        if (msg)
            v->error_message = util_xstrdup(msg);
        json_decref(e);
    }
}

static enum db_status db_vm_one(struct db_conn *c, struct db_stmt *q, int n, const char **p,
                                struct db_vm *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, q, n, p, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    db_vm_row(r, 0, out);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_vm_get_q, "SELECT " VM_COLUMNS VM_FROM " WHERE v.subscription_id = $1::uuid"
                     " AND v.rg_key = lower($2) AND lower(v.name) = lower($3)");

enum db_status db_vm_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                         struct db_vm *out)
{
    const char *p[] = {sub, rg, name};
    return db_vm_one(c, &db_vm_get_q, 3, p, out);
}

DB_STMT(db_vm_get_by_id_q, "SELECT " VM_COLUMNS VM_FROM " WHERE v.id = $1::uuid");

enum db_status db_vm_get_by_id(struct db_conn *c, const char *id, struct db_vm *out)
{
    const char *p[] = {id};
    return db_vm_one(c, &db_vm_get_by_id_q, 1, p, out);
}

DB_STMT(db_vm_list_q, "SELECT " VM_COLUMNS VM_FROM " WHERE v.subscription_id = $1::uuid"
                      " AND ($2::text IS NULL OR v.rg_key = lower($2))"
                      " AND ($3::text IS NULL OR (v.rg_key, lower(v.name)) > ($3, $4::text))"
                      " ORDER BY v.rg_key, lower(v.name) LIMIT $5");

enum db_status db_vm_list(struct db_conn *c, const char *sub, const char *rg, const char *after_rg,
                          const char *after_name, long limit, struct db_vm **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *p[] = {sub, rg, after_rg, after_name, lim};
    *items = NULL;
    *n = 0;
    enum db_status st = db_exec(c, &db_vm_list_q, 5, p, &r);
    if (st != DB_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct db_vm *vms = util_xcalloc(rows ? rows : 1, sizeof(*vms));
    for (size_t i = 0; i < rows; i++)
        db_vm_row(r, (int)i, &vms[i]);
    PQclear(r);
    *items = vms;
    *n = rows;
    return DB_OK;
}

DB_STMT(db_vm_insert_q,
        "INSERT INTO virtual_machines (id, subscription_id, rg_key, name, location, tags, etag,"
        " vm_size, image_publisher, image_offer, image_sku, image_version, computer_name,"
        " admin_username, network_profile, provisioning_state, power_state)"
        " VALUES ($1::uuid, $2::uuid, lower($3), $4, $5, $6::jsonb, $7::uuid, $8, $9, $10, $11,"
        " $12, $13, $14, $15::jsonb, $16, $17)");

enum db_status db_vm_insert(struct db_conn *c, const struct db_vm *in, const char *rg)
{
    char *np = json_dumps(in->network_profile, JSON_COMPACT);
    const char *p[] = {in->id,
                       in->subscription_id,
                       rg,
                       in->name,
                       in->location,
                       in->tags,
                       in->etag,
                       in->vm_size,
                       in->image_publisher,
                       in->image_offer,
                       in->image_sku,
                       in->image_version,
                       in->computer_name,
                       in->admin_username,
                       np,
                       in->provisioning_state,
                       in->power_state};
    enum db_status st = db_exec(c, &db_vm_insert_q, 17, p, NULL);
    free(np);
    return st;
}

DB_STMT(db_vm_update_q,
        "UPDATE virtual_machines SET tags = $2::jsonb, etag = $3::uuid, vm_size = $4,"
        " network_profile = $5::jsonb, provisioning_state = $6, power_state = $7,"
        " updated_at = now() WHERE id = $1::uuid");

enum db_status db_vm_update(struct db_conn *c, const struct db_vm *in)
{
    char *np = json_dumps(in->network_profile, JSON_COMPACT);
    const char *p[] = {in->id,         in->tags, in->etag, in->vm_size, np, in->provisioning_state,
                       in->power_state};
    enum db_status st = db_exec(c, &db_vm_update_q, 7, p, NULL);
    free(np);
    return st;
}

DB_STMT(db_vm_set_state_q,
        "UPDATE virtual_machines SET provisioning_state = coalesce($2, provisioning_state),"
        " power_state = coalesce($3, power_state), etag = gen_random_uuid(), updated_at = now()"
        " WHERE id = $1::uuid");

enum db_status db_vm_set_state(struct db_conn *c, const char *id, const char *provisioning,
                               const char *power)
{
    const char *p[] = {id, provisioning, power};
    return db_exec(c, &db_vm_set_state_q, 3, p, NULL);
}

DB_STMT(db_vm_set_placement_q,
        "UPDATE virtual_machines SET host_name = $2, claim_vcpus = $3::integer,"
        " claim_memory_mb = $4::bigint, claim_vfs = $5::integer, updated_at = now()"
        " WHERE id = $1::uuid");

enum db_status db_vm_set_placement(struct db_conn *c, const char *id, const char *host, long vcpus,
                                   long long memory_mb, long vfs)
{
    char a[24], b[24], d[24];
    snprintf(a, sizeof(a), "%ld", host ? vcpus : 0);
    snprintf(b, sizeof(b), "%lld", host ? memory_mb : 0);
    snprintf(d, sizeof(d), "%ld", host ? vfs : 0);
    const char *p[] = {id, host, a, b, d};
    return db_exec(c, &db_vm_set_placement_q, 5, p, NULL);
}

DB_STMT(db_vm_delete_q, "DELETE FROM virtual_machines WHERE id = $1::uuid");

enum db_status db_vm_delete(struct db_conn *c, const char *id)
{
    const char *p[] = {id};
    return db_exec(c, &db_vm_delete_q, 1, p, NULL);
}

DB_STMT(db_vm_power_for_share_q,
        "SELECT power_state FROM virtual_machines WHERE id = $1::uuid FOR SHARE");

enum db_status db_vm_power_for_share(struct db_conn *c, const char *id, char power[16])
{
    PGresult *r;
    const char *p[] = {id};
    enum db_status st = db_exec(c, &db_vm_power_for_share_q, 1, p, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    snprintf(power, 16, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_vm_nic_attach_q, "UPDATE network_interfaces SET vm_id = $2::uuid, etag ="
                            " gen_random_uuid(), updated_at = now() WHERE id = $1::uuid");

enum db_status db_vm_nic_attach(struct db_conn *c, const char *nic_id, const char *vm_id)
{
    const char *p[] = {nic_id, vm_id};
    return db_exec(c, &db_vm_nic_attach_q, 2, p, NULL);
}

DB_STMT(db_vm_nic_detach_all_q,
        "UPDATE network_interfaces SET vm_id = NULL, etag = gen_random_uuid(), updated_at = now()"
        " WHERE vm_id = $1::uuid");

enum db_status db_vm_nic_detach_all(struct db_conn *c, const char *vm_id)
{
    const char *p[] = {vm_id};
    return db_exec(c, &db_vm_nic_detach_all_q, 1, p, NULL);
}

DB_STMT(db_vm_nics_q,
        "SELECT n.id::text, n.name, coalesce(n.vm_id::text, ''), n.enable_accelerated_networking,"
        " upper(replace(n.mac_address::text, ':', '-')), coalesce(host(ic.private_ip), ''),"
        " coalesce(masklen(s.address_prefix), 0), coalesce(host(s.address_prefix::inet + 1), ''),"
        " coalesce(v.segment_id, 0), coalesce(n.nsg_id::text, ''), coalesce(s.nsg_id::text, ''),"
        " coalesce(n.vf_host, ''), coalesce(n.vf_index, -1), ord.i"
        " FROM unnest($1::uuid[]) WITH ORDINALITY AS ord(id, i)"
        " JOIN network_interfaces n ON n.id = ord.id"
        " LEFT JOIN nic_ip_configurations ic ON ic.nic_id = n.id AND ic.is_primary"
        " LEFT JOIN subnets s ON s.id = ic.subnet_id"
        " LEFT JOIN virtual_networks v ON v.id = s.vnet_id ORDER BY ord.i");

enum db_status db_vm_nics(struct db_conn *c, const char *const *ids, size_t n,
                          struct db_vm_nic **items, size_t *count)
{
    struct buf b = {0};
    PGresult *r;
    *items = NULL;
    *count = 0;
    buf_appendf(&b, "{");
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%s", i ? "," : "", ids[i]);
    buf_appendf(&b, "}");
    const char *p[] = {b.data};
    enum db_status st = db_exec(c, &db_vm_nics_q, 1, p, &r);
    buf_free(&b);
    if (st != DB_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    struct db_vm_nic *out = util_xcalloc(rows ? rows : 1, sizeof(*out));
    for (size_t i = 0; i < rows; i++) {
        struct db_vm_nic *x = &out[i];
        int row = (int)i;
        DB_COPY(x->id, r, row, 0);
        DB_COPY(x->name, r, row, 1);
        DB_COPY(x->vm_id, r, row, 2);
        x->accelerated = PQgetvalue(r, row, 3)[0] == 't';
        DB_COPY(x->mac, r, row, 4);
        DB_COPY(x->ip, r, row, 5);
        x->prefix_length = atoi(PQgetvalue(r, row, 6));
        DB_COPY(x->gateway, r, row, 7);
        x->segment_id = atol(PQgetvalue(r, row, 8));
        DB_COPY(x->nic_nsg_id, r, row, 9);
        DB_COPY(x->subnet_nsg_id, r, row, 10);
        DB_COPY(x->vf_host, r, row, 11);
        x->vf_index = atol(PQgetvalue(r, row, 12));
    }
    PQclear(r);
    *items = out;
    *count = rows;
    return DB_OK;
}

DB_STMT(db_nic_vf_record_q,
        "UPDATE network_interfaces SET vf_host = $2, vf_pf = $3, vf_index = $4::integer,"
        " vf_pci_address = $5, vf_representor = $6, vf_driver = $7, vf_guest_driver = $8,"
        " vf_policy_generation = GREATEST(coalesce(vf_policy_generation, 0), $9::bigint),"
        " vf_policy_acked = $9::bigint, vf_state = 'Active', vf_state_changed_at = now(),"
        " etag = gen_random_uuid(), updated_at = now()"
        " WHERE id = $1::uuid");

enum db_status db_nic_vf_record(struct db_conn *c, const char *nic_id, const char *host,
                                const char *pf, long index, const char *pci_address,
                                const char *representor, const char *driver,
                                const char *guest_driver, long long generation)
{
    char idx[24], gen[24];
    snprintf(idx, sizeof(idx), "%ld", index);
    snprintf(gen, sizeof(gen), "%lld", generation);
    const char *p[] = {nic_id, host, pf, idx, pci_address, representor, driver, guest_driver, gen};
    return db_exec(c, &db_nic_vf_record_q, 9, p, NULL);
}

DB_STMT(db_nic_vf_clear_q,
        "UPDATE network_interfaces SET vf_host = NULL, vf_pf = NULL, vf_index = NULL,"
        " vf_pci_address = NULL, vf_representor = NULL, vf_driver = NULL, vf_guest_driver = NULL,"
        " vf_policy_generation = NULL, vf_policy_acked = NULL, vf_state = NULL,"
        " vf_state_changed_at = NULL, etag = gen_random_uuid(),"
        " updated_at = now()"
        " WHERE id = $1::uuid AND vf_host IS NOT NULL AND ($2::text IS NULL OR vf_host = $2)");

enum db_status db_nic_vf_clear(struct db_conn *c, const char *nic_id, const char *host)
{
    const char *p[] = {nic_id, host};
    return db_exec(c, &db_nic_vf_clear_q, 2, p, NULL);
}

DB_STMT(db_nic_vf_pending_q,
        "UPDATE network_interfaces SET vf_host = $2, vf_pf = NULL, vf_index = NULL,"
        " vf_pci_address = NULL, vf_representor = NULL, vf_driver = NULL, vf_guest_driver = NULL,"
        " vf_policy_generation = NULL, vf_state = NULL, vf_state_changed_at = NULL,"
        " etag = gen_random_uuid(), updated_at = now()"
        " WHERE id = $1::uuid");

enum db_status db_nic_vf_pending(struct db_conn *c, const char *nic_id, const char *host)
{
    const char *p[] = {nic_id, host};
    return db_exec(c, &db_nic_vf_pending_q, 2, p, NULL);
}

DB_STMT(db_nic_policy_generation_q, "SELECT nextval('nic_policy_generation_seq')");

enum db_status db_nic_policy_generation(struct db_conn *c, long long *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, &db_nic_policy_generation_q, 0, NULL, &r);
    if (st != DB_OK)
        return st;
    *out = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_vm_ids_in_rg_q, "SELECT id::text FROM virtual_machines WHERE subscription_id = $1::uuid"
                           " AND rg_key = lower($2) ORDER BY lower(name)");

enum db_status db_vm_ids_in_rg(struct db_conn *c, const char *sub, const char *rg, char (**ids)[37],
                               size_t *n)
{
    PGresult *r;
    const char *p[] = {sub, rg};
    *ids = NULL;
    *n = 0;
    enum db_status st = db_exec(c, &db_vm_ids_in_rg_q, 2, p, &r);
    if (st != DB_OK)
        return st;
    size_t rows = (size_t)PQntuples(r);
    *ids = util_xcalloc(rows ? rows : 1, sizeof(**ids));
    for (size_t i = 0; i < rows; i++)
        snprintf((*ids)[i], 37, "%s", PQgetvalue(r, (int)i, 0));
    *n = rows;
    PQclear(r);
    return DB_OK;
}
