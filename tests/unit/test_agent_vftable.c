/* Unit tests for agent/vftable.h, agent/state.h and the sim backend: which VF
 * a NIC gets, the table's persistence round trip (and what a restart with
 * other PFs may not do), atomic writes, the callback token, and the sim
 * backend undoing a change it could not write. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/backend.h"
#include "agent/proto.h"
#include "agent/state.h"
#include "agent/vftable.h"

/* A fresh directory per test (removed with its files afterwards). */
static char dir[256];

static int setup_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("ACCELNET_TEST_TMP");
    snprintf(dir, sizeof(dir), "%s/test_agent_vftable.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    chmod(dir, 0700);
    rmdir(dir);
    return 0;
}

static void pfs2(struct agent_pf pfs[2], unsigned n0, unsigned n1)
{
    char err[300], spec[100];
    snprintf(spec, sizeof(spec), "pf0,0000:03:00.0,15b3:1003,%u", n0);
    assert_int_equal(pf_parse(spec, &pfs[0], err, sizeof(err)), 0);
    snprintf(spec, sizeof(spec), "pf1,0000:81:00.0,15b3:1015,%u", n1);
    assert_int_equal(pf_parse(spec, &pfs[1], err, sizeof(err)), 0);
}

/* A NIC spec with id and MAC from n and policy generation gen. */
static void make_spec(struct nic_spec *s, unsigned n, long long gen)
{
    char text[600];
    struct err e = {0};
    snprintf(text, sizeof(text),
             "{\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-%012u\",\"macAddress\":\"00-0D-3A-00-00-%02X\","
             "\"ipAddress\":\"10.0.0.%u\",\"prefixLength\":24,\"gateway\":\"10.0.0.1\","
             "\"segmentId\":4096,\"rateLimitMbps\":%u,\"policy\":{\"generation\":%lld,\"rules\":[{"
             "\"stage\":\"nic\",\"name\":\"r%u\",\"priority\":100,\"direction\":\"Inbound\","
             "\"access\":\"Deny\",\"protocol\":\"Tcp\",\"sourceAddressPrefixes\":[\"*\"],"
             "\"sourcePortRanges\":[\"*\"],\"destinationAddressPrefixes\":[\"*\"],"
             "\"destinationPortRanges\":[\"%u\"]}]}}",
             n, n, n + 4, n * 10, gen, n, 1000 + n);
    json_t *body = json_loads(text, 0, NULL);
    assert_non_null(body);
    if (proto_parse_attach(body, s, &e) != 0)
        fail_msg("make_spec: %s", e.message);
    snprintf(s->id, sizeof(s->id), "aaaaaaaa-0000-4000-8000-%012u", n);
    json_decref(body);
}

static void test_pick_spreads_over_pfs(void **state)
{
    struct agent_pf pfs[2];
    struct vft t;
    size_t pf;
    unsigned vf;
    (void)state;
    pfs2(pfs, 2, 3);
    vft_init(&t, pfs, 2);
    assert_int_equal(vft_total(&t), 5);
    /* The PF with the most free VFs first, lowest index on it. */
    static const struct {
        size_t pf;
        unsigned vf;
    } want[] = {{1, 0}, {0, 0}, {1, 1}, {0, 1}, {1, 2}};
    for (unsigned i = 0; i < 5; i++) {
        struct nic_spec s;
        make_spec(&s, i, 1);
        assert_int_equal(vft_pick(&t, &pf, &vf), 0);
        assert_int_equal(pf, want[i].pf);
        assert_int_equal(vf, want[i].vf);
        vft_add(&t, &s, pf, vf);
        nic_spec_clear(&s);
    }
    assert_int_equal(vft_in_use(&t), 5);
    assert_int_equal(vft_pick(&t, &pf, &vf), -1); /* exhausted */
    /* A freed VF is handed out again. */
    assert_int_equal(vft_remove(&t, "aaaaaaaa-0000-4000-8000-000000000003", NULL), 0);
    assert_int_equal(vft_remove(&t, "aaaaaaaa-0000-4000-8000-000000000003", NULL), -1);
    assert_int_equal(vft_pick(&t, &pf, &vf), 0);
    assert_int_equal(pf, 0);
    assert_int_equal(vf, 1);
    vft_free(&t);
}

static void test_find_remove_restore(void **state)
{
    struct agent_pf pfs[2];
    struct vft t;
    struct vft_nic removed;
    (void)state;
    pfs2(pfs, 4, 1);
    vft_init(&t, pfs, 1);
    for (unsigned i = 0; i < 3; i++) {
        struct nic_spec s;
        make_spec(&s, i, i);
        vft_add(&t, &s, 0, i);
        nic_spec_clear(&s);
    }
    struct vft_nic *n = vft_find(&t, "aaaaaaaa-0000-4000-8000-000000000001");
    assert_non_null(n);
    assert_int_equal(n->vf, 1);
    assert_null(vft_find(&t, "aaaaaaaa-0000-4000-8000-000000000009"));
    assert_int_equal(vft_remove(&t, "aaaaaaaa-0000-4000-8000-000000000001", &removed), 0);
    assert_int_equal(t.nnics, 2);
    assert_int_equal(t.used[0][1], 0);
    vft_restore(&t, &removed, 1);
    assert_int_equal(t.nnics, 3);
    assert_int_equal(t.used[0][1], 1);
    assert_string_equal(t.nics[1].spec.id, "aaaaaaaa-0000-4000-8000-000000000001");
    struct nic_entry e;
    vft_entry(&t, &t.nics[1], &e);
    assert_string_equal(e.vf.pci, "0000:03:00.2");
    assert_string_equal(e.vf.representor, "pf0vf1");
    assert_string_equal(e.vf.device, "1004");
    nic_spec_clear(&e.spec);
    vft_free(&t);
}

static void test_persistence_round_trip(void **state)
{
    struct agent_pf pfs[2];
    struct vft t, back;
    char err[400];
    (void)state;
    pfs2(pfs, 4, 4);
    vft_init(&t, pfs, 2);
    /* No file yet: empty. */
    assert_int_equal(vft_load(&t, dir, err, sizeof(err)), 0);
    assert_int_equal(vft_in_use(&t), 0);
    for (unsigned i = 0; i < 3; i++) {
        struct nic_spec s;
        size_t pf;
        unsigned vf;
        make_spec(&s, i, 10 + i);
        assert_int_equal(vft_pick(&t, &pf, &vf), 0);
        vft_add(&t, &s, pf, vf);
        nic_spec_clear(&s);
    }
    assert_int_equal(vft_save(&t, dir, err, sizeof(err)), 0);

    char path[600];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, VFT_FILE);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof(path), "%s/.%s.tmp", dir, VFT_FILE);
    assert_int_not_equal(access(path, F_OK), 0); /* no temporary file left */

    vft_init(&back, pfs, 2);
    if (vft_load(&back, dir, err, sizeof(err)) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(back.nnics, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct vft_nic *a = &t.nics[i], *b = &back.nics[i];
        assert_string_equal(a->spec.id, b->spec.id);
        assert_null(proto_attach_differs(&a->spec, &b->spec));
        assert_int_equal(a->spec.policy_generation, b->spec.policy_generation);
        assert_true(json_equal(a->spec.policy_rules, b->spec.policy_rules));
        assert_int_equal(a->pf, b->pf);
        assert_int_equal(a->vf, b->vf);
    }
    json_t *ja = vft_to_json(&t), *jb = vft_to_json(&back);
    assert_true(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
    vft_free(&back);

    /* PFs without VFs in use may change; a PF with VFs in use may not. */
    struct agent_pf other[2];
    pfs2(other, 4, 4);
    char err2[300];
    assert_int_equal(pf_parse("pf1,0000:82:00.0,15b3:1015,4", &other[1], err2, sizeof(err2)), 0);
    vft_init(&back, other, 2);
    assert_int_equal(vft_load(&back, dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "pf1 has VFs in use"));
    assert_int_equal(back.nnics, 0);
    vft_free(&back);
    /* Fewer VFs than one in use (pf0 has VFs 0 and 1 in use). */
    pfs2(other, 1, 4);
    vft_init(&back, other, 2);
    assert_int_equal(vft_load(&back, dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "configured with 1 VFs"));
    vft_free(&back);
    /* A PF that is gone. */
    vft_init(&back, pfs, 1);
    assert_int_equal(vft_load(&back, dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "pf1, which is not configured"));
    vft_free(&back);
    /* More VFs on a PF in use is fine. */
    pfs2(other, 8, 4);
    vft_init(&back, other, 2);
    assert_int_equal(vft_load(&back, dir, err, sizeof(err)), 0);
    assert_int_equal(back.nnics, 3);
    vft_free(&back);
    vft_free(&t);
}

static void test_load_refuses_garbage(void **state)
{
    struct agent_pf pfs[2];
    struct vft t;
    char err[400];
    static const char *const docs[] = {
        "not json",
        "{\"format\":2,\"physicalFunctions\":[],\"nics\":[]}",
        "{\"format\":1,\"physicalFunctions\":[],\"nics\":[{\"nicId\":\"x\"}]}",
        /* The same VF twice. */
        "{\"format\":1,\"physicalFunctions\":[{\"name\":\"pf0\",\"pciAddress\":\"0000:03:00.0\","
        "\"vendorId\":\"15b3\",\"deviceId\":\"1003\",\"numVfs\":4}],\"nics\":["
        "{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"pf\":\"pf0\",\"vfIndex\":0,"
        "\"attach\":{\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-000000000001\",\"macAddress\":"
        "\"00-0D-3A-00-00-01\",\"ipAddress\":\"10.0.0.4\",\"prefixLength\":24,\"segmentId\":1,"
        "\"policy\":{\"generation\":1,\"rules\":[]}}},"
        "{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000002\",\"pf\":\"pf0\",\"vfIndex\":0,"
        "\"attach\":{\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-000000000001\",\"macAddress\":"
        "\"00-0D-3A-00-00-02\",\"ipAddress\":\"10.0.0.5\",\"prefixLength\":24,\"segmentId\":1,"
        "\"policy\":{\"generation\":1,\"rules\":[]}}}]}",
        /* An attach body that is not valid. */
        "{\"format\":1,\"physicalFunctions\":[{\"name\":\"pf0\",\"pciAddress\":\"0000:03:00.0\","
        "\"vendorId\":\"15b3\",\"deviceId\":\"1003\",\"numVfs\":4}],\"nics\":["
        "{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"pf\":\"pf0\",\"vfIndex\":0,"
        "\"attach\":{\"vmId\":\"x\"}}]}",
    };
    (void)state;
    pfs2(pfs, 4, 4);
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        assert_int_equal(
            state_write_atomic(dir, VFT_FILE, docs[i], strlen(docs[i]), 0600, err, sizeof(err)), 0);
        vft_init(&t, pfs, 1);
        if (vft_load(&t, dir, err, sizeof(err)) == 0)
            fail_msg("document %zu accepted", i);
        assert_int_equal(t.nnics, 0);
        assert_non_null(strstr(err, VFT_FILE));
        vft_free(&t);
    }
}

static void test_atomic_write_and_read(void **state)
{
    char err[400], *data = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(state_read(dir, "f", &data, &len, err, sizeof(err)), 0);
    assert_null(data);
    assert_int_equal(state_write_atomic(dir, "f", "one", 3, 0640, err, sizeof(err)), 0);
    assert_int_equal(state_write_atomic(dir, "f", "second", 6, 0640, err, sizeof(err)), 0);
    assert_int_equal(state_read(dir, "f", &data, &len, err, sizeof(err)), 1);
    assert_int_equal(len, 6);
    assert_string_equal(data, "second");
    free(data);
    /* An empty file reads as "" (not NULL). */
    assert_int_equal(state_write_atomic(dir, "e", "", 0, 0600, err, sizeof(err)), 0);
    assert_int_equal(state_read(dir, "e", &data, &len, err, sizeof(err)), 1);
    assert_string_equal(data, "");
    free(data);
    /* A directory that cannot be written: an error that names the file. */
    if (geteuid() != 0) {
        chmod(dir, 0500);
        assert_int_equal(state_write_atomic(dir, "f", "x", 1, 0600, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "/f"));
        chmod(dir, 0700);
    }
}

static void test_state_dir_lock(void **state)
{
    char err[400], sub[400];
    (void)state;
    snprintf(sub, sizeof(sub), "%s/a/b", dir);
    int fd = state_dir_open(sub, err, sizeof(err));
    if (fd < 0)
        fail_msg("%s", err);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* A second agent on the same directory is refused. */
    assert_int_equal(state_dir_open(sub, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "another accelnet-agent"));
    close(fd);
    fd = state_dir_open(sub, err, sizeof(err));
    assert_true(fd >= 0);
    close(fd);
    char p[600];
    snprintf(p, sizeof(p), "%s/lock", sub);
    unlink(p);
    rmdir(sub);
    snprintf(p, sizeof(p), "%s/a", dir);
    rmdir(p);
}

static void test_callback_token(void **state)
{
    char a[STATE_TOKEN_LEN], b[STATE_TOKEN_LEN], err[400], path[600];
    int generated = -1;
    struct stat st;
    (void)state;
    assert_int_equal(state_callback_token(dir, a, &generated, err, sizeof(err)), 0);
    assert_int_equal(generated, 1);
    assert_int_equal(strlen(a), 43);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
    snprintf(path, sizeof(path), "%s/%s", dir, STATE_TOKEN_FILE);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The next start reads the same one. */
    assert_int_equal(state_callback_token(dir, b, &generated, err, sizeof(err)), 0);
    assert_int_equal(generated, 0);
    assert_string_equal(a, b);
    /* A damaged file is not silently replaced. */
    assert_int_equal(
        state_write_atomic(dir, STATE_TOKEN_FILE, "short\n", 6, 0600, err, sizeof(err)), 0);
    assert_int_equal(state_callback_token(dir, b, &generated, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a callback token"));
}

/* The sim backend: persistence across a close and a new init, and a change it
 * cannot write is not made. */
static void test_sim_backend(void **state)
{
    struct agent_pf pfs[2];
    struct backend be = {.ops = &backend_sim};
    struct backend_params p = {.host_name = "h1", .npfs = 1, .state_dir = dir};
    struct vf_info vf;
    struct nic_entry e;
    struct backend_health h;
    char err[400];
    (void)state;
    pfs2(pfs, 2, 1);
    p.pfs = pfs;
    assert_int_equal(be.ops->init(&be, &p, err, sizeof(err)), 0);
    struct nic_spec s0, s1, s2;
    make_spec(&s0, 0, 1);
    make_spec(&s1, 1, 1);
    make_spec(&s2, 2, 1);
    assert_int_equal(be.ops->attach(&be, &s0, &vf, err, sizeof(err)), BACKEND_OK);
    assert_int_equal(vf.index, 0);
    assert_string_equal(vf.pci, "0000:03:00.1");
    assert_int_equal(be.ops->attach(&be, &s1, &vf, err, sizeof(err)), BACKEND_OK);
    assert_int_equal(vf.index, 1);
    assert_int_equal(be.ops->attach(&be, &s2, &vf, err, sizeof(err)), BACKEND_NO_FREE_VF);
    json_t *rules = json_array();
    assert_int_equal(be.ops->set_policy(&be, s1.id, 5, rules, err, sizeof(err)), BACKEND_OK);
    assert_int_equal(be.ops->set_policy(&be, s2.id, 5, rules, err, sizeof(err)), BACKEND_NOT_FOUND);
    be.ops->health(&be, &h);
    assert_int_equal(h.vfs_total, 2);
    assert_int_equal(h.vfs_in_use, 2);
    be.ops->close(&be);

    /* A restart knows what it had. */
    assert_int_equal(be.ops->init(&be, &p, err, sizeof(err)), 0);
    struct nic_entry *list;
    size_t n;
    assert_int_equal(be.ops->inventory(&be, &list, &n, err, sizeof(err)), BACKEND_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].spec.id, s0.id);
    assert_string_equal(list[1].spec.id, s1.id);
    assert_int_equal(list[1].spec.policy_generation, 5);
    assert_int_equal(json_array_size(list[1].spec.policy_rules), 0);
    assert_string_equal(list[1].vf.representor, "pf0vf1");
    nic_entries_free(list, n);

    /* The state directory cannot be written (as root, a file in the way of
     * the temporary name does it): nothing changes. */
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, VFT_FILE);
    assert_int_equal(mkdir(tmp, 0700), 0);
    char sub[700];
    snprintf(sub, sizeof(sub), "%s/x", tmp);
    assert_int_equal(mkdir(sub, 0700), 0); /* a non-empty directory: unlink/rename fail */
    assert_int_equal(be.ops->detach(&be, s0.id, err, sizeof(err)), BACKEND_ERROR);
    assert_int_equal(be.ops->lookup(&be, s0.id, &e), BACKEND_OK);
    nic_spec_clear(&e.spec);
    assert_int_equal(be.ops->set_policy(&be, s0.id, 9, rules, err, sizeof(err)), BACKEND_ERROR);
    assert_int_equal(be.ops->lookup(&be, s0.id, &e), BACKEND_OK);
    assert_int_equal(e.spec.policy_generation, 1);
    nic_spec_clear(&e.spec);
    rmdir(sub);
    rmdir(tmp);
    assert_int_equal(be.ops->detach(&be, s0.id, err, sizeof(err)), BACKEND_OK);
    assert_int_equal(be.ops->lookup(&be, s0.id, &e), BACKEND_NOT_FOUND);
    assert_int_equal(be.ops->detach(&be, s0.id, err, sizeof(err)), BACKEND_NOT_FOUND);
    be.ops->close(&be);

    /* Only the detach after the fault reached the disk. */
    assert_int_equal(be.ops->init(&be, &p, err, sizeof(err)), 0);
    be.ops->health(&be, &h);
    assert_int_equal(h.vfs_in_use, 1);
    be.ops->close(&be);
    be.ops->close(&be); /* safe twice */

    json_decref(rules);
    nic_spec_clear(&s0);
    nic_spec_clear(&s1);
    nic_spec_clear(&s2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_spreads_over_pfs),
        cmocka_unit_test(test_find_remove_restore),
        T(test_persistence_round_trip),
        T(test_load_refuses_garbage),
        T(test_atomic_write_and_read),
        T(test_state_dir_lock),
        T(test_callback_token),
        T(test_sim_backend),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
