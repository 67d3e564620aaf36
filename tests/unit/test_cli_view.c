/* Unit tests for cli/view.h: the table views of the new shapes (resource
 * groups, feature registrations, SKUs, VM sizes, the eligibility answer,
 * virtual networks, subnets, NSGs, security rules, NICs, hosts),
 * each checked as rows and as the table cliout_table prints. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/output.h"
#include "cli/view.h"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v)
        fail_msg("bad test JSON: %s", e.text);
    return v;
}

static void expect_json(const json_t *v, const char *want)
{
    json_t *w = parse(want);
    if (!json_equal(v, w)) {
        char *got = json_dumps(v, JSON_COMPACT);
        fail_msg("expected %s, got %s", want, got ? got : "NULL");
    }
    json_decref(w);
}

/* The table of view(input) must be exactly want. */
static void expect_table(const json_t *rows, const char *want)
{
    char *out = NULL;
    size_t len;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    cliout_table(f, rows, 0);
    fclose(f);
    if (strcmp(out, want) != 0)
        fail_msg("expected table:\n%s\ngot:\n%s", want, out);
    free(out);
}

static const char groups_json[] =
    "{\"value\":["
    "{\"id\":\"/subscriptions/s/resourceGroups/rg1\",\"name\":\"rg1\",\"type\":"
    "\"Microsoft.Resources/resourceGroups\",\"location\":\"westeurope\",\"etag\":\"W/\\\"1\\\"\","
    "\"tags\":{\"env\":\"test\",\"team\":\"net\"},\"properties\":{\"provisioningState\":"
    "\"Succeeded\"}},"
    "{\"id\":\"/subscriptions/s/resourceGroups/b\",\"name\":\"b\",\"type\":\"x\",\"location\":"
    "\"westcentralus\",\"etag\":\"e\",\"tags\":{},\"properties\":{\"provisioningState\":"
    "\"Succeeded\"}}]}";

static void test_groups(void **state)
{
    (void)state;
    json_t *in = parse(groups_json);
    json_t *rows = cliview_groups(in);
    expect_json(rows, "[{\"name\":\"rg1\",\"location\":\"westeurope\",\"provisioningState\":"
                      "\"Succeeded\",\"tags\":\"env=test, team=net\"},{\"name\":\"b\",\"location\":"
                      "\"westcentralus\",\"provisioningState\":\"Succeeded\",\"tags\":\"\"}]");
    expect_table(rows, "Name  Location       ProvisioningState  Tags\n"
                       "----  -------------  -----------------  ------------------\n"
                       "rg1   westeurope     Succeeded          env=test, team=net\n"
                       "b     westcentralus  Succeeded\n");
    json_decref(rows);
    /* One group (group show) is one row. */
    rows = cliview_groups(json_array_get(json_object_get(in, "value"), 1));
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    json_decref(in);
}

static void test_features(void **state)
{
    (void)state;
    json_t *in =
        parse("{\"value\":[{\"name\":\"Microsoft.Network/AllowAcceleratedNetworkingFeature\","
              "\"id\":\"/subscriptions/s/providers/Microsoft.Features/providers/Microsoft.Network/"
              "features/AllowAcceleratedNetworkingFeature\",\"type\":"
              "\"Microsoft.Features/providers/features\",\"properties\":{\"state\":\"Rejected\","
              "\"reason\":\"full\"}},{\"name\":\"Microsoft.Network/Other\",\"properties\":"
              "{\"state\":\"NotRegistered\"}}]}");
    json_t *rows = cliview_features(in);
    expect_table(rows,
                 "Name                                                 State          Reason\n"
                 "---------------------------------------------------  -------------  ------\n"
                 "Microsoft.Network/AllowAcceleratedNetworkingFeature  Rejected       full\n"
                 "Microsoft.Network/Other                              NotRegistered\n");
    json_decref(rows);
    json_decref(in);
}

static void test_subscriptions(void **state)
{
    (void)state;
    json_t *in = parse("{\"value\":[{\"id\":\"/subscriptions/s1\",\"subscriptionId\":\"s1\","
                       "\"displayName\":\"Contoso\",\"state\":\"Enabled\",\"createdAt\":\"t\","
                       "\"updatedAt\":\"t\",\"contactWebhook\":null},{\"subscriptionId\":\"s2\","
                       "\"displayName\":\"Fabrikam\",\"state\":\"Disabled\",\"contactWebhook\":"
                       "\"https://h.example/\"}]}");
    json_t *rows = cliview_subscriptions(in);
    expect_table(rows, "SubscriptionId  DisplayName  State     ContactWebhook\n"
                       "--------------  -----------  --------  ------------------\n"
                       "s1              Contoso      Enabled\n"
                       "s2              Fabrikam     Disabled  https://h.example/\n");
    json_decref(rows);
    json_decref(in);
}

static void test_registrations(void **state)
{
    (void)state;
    json_t *in = parse(
        "{\"value\":[{\"id\":\"/admin/featureRegistrations/s1/Microsoft.Network/F\","
        "\"subscriptionId\":\"s1\",\"namespace\":\"Microsoft.Network\",\"feature\":\"F\",\"state\":"
        "\"Pending\",\"intendedUse\":\"trading\",\"requestedAt\":\"2016-09-01T00:00:00Z\","
        "\"updatedAt\":\"u\",\"decidedBy\":null,\"decidedAt\":null,\"reason\":null}]}");
    json_t *rows = cliview_registrations(in);
    expect_json(rows, "[{\"subscriptionId\":\"s1\",\"feature\":\"Microsoft.Network/F\",\"state\":"
                      "\"Pending\",\"intendedUse\":\"trading\",\"requestedAt\":"
                      "\"2016-09-01T00:00:00Z\",\"decidedBy\":null,\"reason\":null}]");
    json_decref(rows);
    json_decref(in);
}

static const char skus_json[] =
    "{\"value\":["
    "{\"resourceType\":\"virtualMachines\",\"name\":\"Standard_DS15_v2\",\"tier\":\"Standard\","
    "\"size\":\"DS15_v2\",\"locations\":[\"westeurope\"],\"locationInfo\":[{\"location\":"
    "\"westeurope\",\"zones\":[],\"zoneDetails\":[]}],\"capabilities\":[{\"name\":\"vCPUs\","
    "\"value\":\"20\"},{\"name\":\"MemoryGB\",\"value\":\"140\"},{\"name\":"
    "\"MaxNetworkInterfaces\",\"value\":\"8\"},{\"name\":\"AcceleratedNetworkingEnabled\","
    "\"value\":\"True\"}],\"restrictions\":[]},"
    "{\"resourceType\":\"virtualMachines\",\"name\":\"Standard_A1\",\"locations\":["
    "\"westeurope\"],\"capabilities\":[{\"name\":\"vCPUs\",\"value\":\"1\"},{\"name\":"
    "\"MemoryGB\",\"value\":\"1.75\"},{\"name\":\"MaxNetworkInterfaces\",\"value\":\"2\"},"
    "{\"name\":\"AcceleratedNetworkingEnabled\",\"value\":\"False\"}]},"
    "{\"resourceType\":\"disks\",\"name\":\"Premium_LRS\",\"locations\":[\"westeurope\"],"
    "\"capabilities\":[]}]}";

static void test_skus(void **state)
{
    (void)state;
    json_t *in = parse(skus_json);
    json_t *rows = cliview_skus(in);
    expect_table(rows,
                 "Name              Locations   VCPUs  MemoryGB  MaxNics  AcceleratedNetworking\n"
                 "----------------  ----------  -----  --------  -------  ---------------------\n"
                 "Standard_DS15_v2  westeurope  20     140       8        true\n"
                 "Standard_A1       westeurope  1      1.75      2        false\n"
                 "Premium_LRS       westeurope\n");
    json_decref(rows);
    const json_t *first = json_array_get(json_object_get(in, "value"), 0);
    assert_string_equal(cliview_sku_capability(first, "MemoryGB"), "140");
    assert_null(cliview_sku_capability(first, "Nope"));
    json_decref(in);
}

static void test_vm_sizes(void **state)
{
    (void)state;
    json_t *in = parse(skus_json);
    json_t *sizes = cliview_vm_sizes(in);
    /* Only virtual machines; memory in MB from MemoryGB. */
    expect_json(sizes, "{\"value\":[{\"name\":\"Standard_DS15_v2\",\"numberOfCores\":20,"
                       "\"memoryInMB\":143360,\"maxNetworkInterfaces\":8,"
                       "\"acceleratedNetworking\":true},{\"name\":\"Standard_A1\","
                       "\"numberOfCores\":1,\"memoryInMB\":1792,\"maxNetworkInterfaces\":2,"
                       "\"acceleratedNetworking\":false}]}");
    json_decref(sizes);
    json_decref(in);
    /* Missing or odd capabilities are null, not zero. */
    in = parse("{\"value\":[{\"resourceType\":\"virtualMachines\",\"name\":\"X\","
               "\"capabilities\":[{\"name\":\"vCPUs\",\"value\":\"many\"}]}]}");
    sizes = cliview_vm_sizes(in);
    expect_json(sizes, "{\"value\":[{\"name\":\"X\",\"numberOfCores\":null,\"memoryInMB\":null,"
                       "\"maxNetworkInterfaces\":null,\"acceleratedNetworking\":null}]}");
    json_decref(sizes);
    json_decref(in);
}

static void test_eligibility(void **state)
{
    (void)state;
    json_t *yes = parse("{\"eligible\":true,\"reasons\":[]}");
    json_t *rows = cliview_eligibility(yes, "westeurope", "Standard_DS15_v2", "P:O:S");
    expect_table(rows, "Eligible  Location    VmSize            Image\n"
                       "--------  ----------  ----------------  -----\n"
                       "true      westeurope  Standard_DS15_v2  P:O:S\n");
    json_decref(rows);
    json_decref(yes);

    json_t *no =
        parse("{\"eligible\":false,\"reasons\":["
              "{\"code\":\"FeatureRegistrationPending\",\"message\":\"Pending.\",\"target\":null,"
              "\"allowedValues\":[]},"
              "{\"code\":\"LocationIsNotPermittedToEnableAcceleratedNetworking\",\"message\":\"Not "
              "in eastus.\",\"target\":\"location\",\"allowedValues\":[\"westcentralus\","
              "\"westeurope\"]}]}");
    rows = cliview_eligibility(no, "eastus", "Standard_D2_v2", "C:U:16");
    expect_json(rows, "[{\"code\":\"FeatureRegistrationPending\",\"target\":null,"
                      "\"allowedValues\":\"\",\"message\":\"Pending.\"},{\"code\":"
                      "\"LocationIsNotPermittedToEnableAcceleratedNetworking\",\"target\":"
                      "\"location\",\"allowedValues\":\"westcentralus, westeurope\",\"message\":"
                      "\"Not in eastus.\"}]");
    expect_table(rows, "Code                                                 Target    "
                       "AllowedValues              Message\n"
                       "---------------------------------------------------  --------  "
                       "-------------------------  --------------\n"
                       "FeatureRegistrationPending                                     "
                       "                           Pending.\n"
                       "LocationIsNotPermittedToEnableAcceleratedNetworking  location  "
                       "westcentralus, westeurope  Not in eastus.\n");
    json_decref(rows);
    json_decref(no);
}

/* --- network resources ----------------------------------------------------------- */

#define V_NET "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network"

static void test_vnets_and_subnets(void **state)
{
    (void)state;
    json_t *in = parse(
        "{\"value\":[{\"id\":\"" V_NET "/virtualNetworks/vnet1\",\"name\":\"vnet1\",\"location\":"
        "\"westeurope\",\"tags\":{},\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\",\"10.10.0.0/16\"]},\"subnets\":["
        "{\"name\":\"default\",\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"addressPrefix\":\"10.0.0.0/24\",\"ipConfigurations\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
        "\"networkSecurityGroup\":{\"id\":\"" V_NET "/networkSecurityGroups/nsg1\"}}},"
        "{\"name\":\"be\",\"properties\":{\"provisioningState\":\"Succeeded\",\"addressPrefix\":"
        "\"10.0.1.0/24\",\"ipConfigurations\":[]}}]}},"
        "{\"id\":\"/subscriptions/s/resourcegroups/Other/providers/Microsoft.Network/"
        "virtualNetworks/v2\",\"name\":\"v2\",\"location\":\"eastus\",\"properties\":{"
        "\"provisioningState\":\"Succeeded\",\"addressSpace\":{\"addressPrefixes\":["
        "\"10.5.0.0/16\"]},\"subnets\":[]}}]}");
    json_t *rows = cliview_vnets(in);
    expect_json(rows, "[{\"name\":\"vnet1\",\"resourceGroup\":\"rg1\",\"location\":\"westeurope\","
                      "\"addressPrefixes\":\"10.0.0.0/16, 10.10.0.0/16\",\"subnets\":\"default, "
                      "be\",\"provisioningState\":\"Succeeded\"},{\"name\":\"v2\","
                      "\"resourceGroup\":\"Other\",\"location\":\"eastus\",\"addressPrefixes\":"
                      "\"10.5.0.0/16\",\"subnets\":\"\",\"provisioningState\":\"Succeeded\"}]");
    expect_table(rows, "Name   ResourceGroup  Location    AddressPrefixes            Subnets      "
                       "ProvisioningState\n"
                       "-----  -------------  ----------  -------------------------  -----------  "
                       "-----------------\n"
                       "vnet1  rg1            westeurope  10.0.0.0/16, 10.10.0.0/16  default, be  "
                       "Succeeded\n"
                       "v2     Other          eastus      10.5.0.0/16                             "
                       "Succeeded\n");
    json_decref(rows);

    /* The subnets of vnet1: the NSG by name, how many IP configurations. */
    json_t *subnets = json_object_get(
        json_object_get(json_array_get(json_object_get(in, "value"), 0), "properties"), "subnets");
    rows = cliview_subnets(subnets);
    expect_table(rows, "Name     AddressPrefix  NetworkSecurityGroup  IpConfigurations  "
                       "ProvisioningState\n"
                       "-------  -------------  --------------------  ----------------  "
                       "-----------------\n"
                       "default  10.0.0.0/24    nsg1                  2                 "
                       "Succeeded\n"
                       "be       10.0.1.0/24                          0                 "
                       "Succeeded\n");
    json_decref(rows);
    json_decref(in);
}

static void test_nsgs_and_rules(void **state)
{
    (void)state;
    json_t *in = parse(
        "{\"id\":\"" V_NET "/networkSecurityGroups/nsg1\",\"name\":\"nsg1\",\"location\":"
        "\"westeurope\",\"properties\":{\"provisioningState\":\"Succeeded\",\"securityRules\":["
        "{\"name\":\"AllowRDP\",\"properties\":{\"protocol\":\"Tcp\",\"sourcePortRange\":\"*\","
        "\"sourcePortRanges\":[],\"destinationPortRange\":\"3389\",\"destinationPortRanges\":[],"
        "\"sourceAddressPrefix\":\"*\",\"sourceAddressPrefixes\":[],\"destinationAddressPrefix\":"
        "\"*\",\"destinationAddressPrefixes\":[],\"access\":\"Allow\",\"priority\":1000,"
        "\"direction\":\"Inbound\"}},"
        "{\"name\":\"AllowWeb\",\"properties\":{\"protocol\":\"Tcp\",\"sourcePortRange\":\"*\","
        "\"destinationPortRanges\":[\"80\",\"443\"],\"sourceAddressPrefixes\":[\"10.1.0.0/16\","
        "\"10.2.0.0/16\"],\"destinationAddressPrefix\":\"*\",\"access\":\"Deny\",\"priority\":300,"
        "\"direction\":\"Outbound\"}}],\"defaultSecurityRules\":[],\"networkInterfaces\":[{\"id\":"
        "\"n\"}],\"subnets\":[]}}");
    json_t *rows = cliview_nsgs(in);
    expect_table(rows,
                 "Name  ResourceGroup  Location    SecurityRules  Subnets  NetworkInterfaces  "
                 "ProvisioningState\n"
                 "----  -------------  ----------  -------------  -------  -----------------  "
                 "-----------------\n"
                 "nsg1  rg1            westeurope  2              0        1                  "
                 "Succeeded\n");
    json_decref(rows);
    rows = cliview_rules(json_object_get(json_object_get(in, "properties"), "securityRules"));
    expect_json(json_array_get(rows, 1),
                "{\"name\":\"AllowWeb\",\"priority\":300,\"direction\":\"Outbound\",\"access\":"
                "\"Deny\",\"protocol\":\"Tcp\",\"sourceAddressPrefixes\":\"10.1.0.0/16, "
                "10.2.0.0/16\",\"sourcePortRanges\":\"*\",\"destinationAddressPrefixes\":\"*\","
                "\"destinationPortRanges\":\"80, 443\"}");
    expect_table(rows, "Name      Priority  Direction  Access  Protocol  SourceAddressPrefixes     "
                       "SourcePortRanges  DestinationAddressPrefixes  DestinationPortRanges\n"
                       "--------  --------  ---------  ------  --------  ------------------------  "
                       "----------------  --------------------------  ---------------------\n"
                       "AllowRDP  1000      Inbound    Allow   Tcp       *                         "
                       "*                 *                           3389\n"
                       "AllowWeb  300       Outbound   Deny    Tcp       10.1.0.0/16, 10.2.0.0/16  "
                       "*                 *                           80, 443\n");
    json_decref(rows);
    json_decref(in);
}

static void test_nics(void **state)
{
    (void)state;
    static const char nic1[] =
        "{\"id\":\"" V_NET "/networkInterfaces/nic1\",\"name\":\"nic1\",\"location\":"
        "\"westeurope\",\"properties\":{\"provisioningState\":\"Succeeded\",\"macAddress\":"
        "\"00-0D-3A-00-00-01\",\"enableAcceleratedNetworking\":true,\"ipConfigurations\":["
        "{\"name\":\"ipconfig1\",\"properties\":{\"privateIPAddress\":\"10.0.0.4\"}}]}}";
    static const char nic2[] =
        "{\"id\":\"" V_NET "/networkInterfaces/nic2\",\"name\":\"nic2\",\"location\":"
        "\"westeurope\",\"properties\":{\"provisioningState\":\"Succeeded\",\"macAddress\":"
        "\"00-0D-3A-00-00-02\",\"enableAcceleratedNetworking\":false,\"ipConfigurations\":["
        "{\"name\":\"a\",\"properties\":{\"privateIPAddress\":\"10.0.0.5\",\"primary\":false}},"
        "{\"name\":\"b\",\"properties\":{\"privateIPAddress\":\"10.0.0.6\",\"primary\":true}}]}}";
    char *text = NULL;
    if (asprintf(&text, "{\"value\":[%s,%s]}", nic1, nic2) < 0)
        fail_msg("out of memory");
    json_t *in = parse(text);
    free(text);
    json_t *rows = cliview_nics(in);
    /* No VF anywhere: no column for it; the primary configuration's address. */
    expect_table(rows, "Name  ResourceGroup  Location    PrivateIpAddress  MacAddress         "
                       "AcceleratedNetworking  ProvisioningState\n"
                       "----  -------------  ----------  ----------------  -----------------  "
                       "---------------------  -----------------\n"
                       "nic1  rg1            westeurope  10.0.0.4          00-0D-3A-00-00-01  "
                       "true                   Succeeded\n"
                       "nic2  rg1            westeurope  10.0.0.6          00-0D-3A-00-00-02  "
                       "false                  Succeeded\n");
    json_decref(rows);
    /* Once a VM gives nic1 a virtual function, the column appears. */
    json_object_set_new(
        json_object_get(json_array_get(json_object_get(in, "value"), 0), "properties"),
        "virtualFunction", json_pack("{s:s, s:i}", "pciAddress", "0000:03:00.2", "vfIndex", 1));
    rows = cliview_nics(in);
    expect_json(json_array_get(rows, 0),
                "{\"name\":\"nic1\",\"resourceGroup\":\"rg1\",\"location\":\"westeurope\","
                "\"privateIpAddress\":\"10.0.0.4\",\"macAddress\":\"00-0D-3A-00-00-01\","
                "\"acceleratedNetworking\":true,\"virtualFunction\":\"0000:03:00.2\","
                "\"provisioningState\":\"Succeeded\"}");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(rows, 1), "virtualFunction")), "");
    json_decref(rows);
    json_decref(in);
    /* One NIC (nic show) is one row. */
    in = parse(nic1);
    rows = cliview_nics(in);
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    json_decref(in);
}

/* Hosts: the state, the health and "used/total" of VFs and vCPUs; a host
 * that never sent a heartbeat has an empty LastHeartbeat. */
static void test_hosts(void **state)
{
    (void)state;
    json_t *in = parse(
        "{\"value\":[{\"name\":\"host-we-1\",\"location\":\"westeurope\",\"agentUrl\":"
        "\"https://127.0.0.1:9101\",\"backend\":\"sim\",\"agentVersion\":\"0.1.0\","
        "\"faultDomain\":0,\"state\":\"Enabled\",\"health\":\"Healthy\",\"lastHeartbeat\":"
        "\"2026-05-01T10:00:00Z\",\"capacity\":{\"vcpus\":{\"total\":64,\"used\":20},"
        "\"memoryMB\":{\"total\":262144,\"used\":143360},\"virtualFunctions\":{\"total\":16,"
        "\"used\":1,\"agentInUse\":1}},\"physicalFunctions\":[],\"agentTokenId\":null},"
        "{\"name\":\"host-wcus-1\",\"location\":\"westcentralus\",\"state\":\"Draining\","
        "\"health\":\"Unhealthy\",\"lastHeartbeat\":null,\"capacity\":{\"vcpus\":{\"total\":"
        "8,\"used\":0},\"virtualFunctions\":{\"total\":0,\"used\":0,\"agentInUse\":null}}}]}");
    json_t *rows = cliview_hosts(in);
    expect_json(rows, "[{\"name\":\"host-we-1\",\"location\":\"westeurope\",\"state\":"
                      "\"Enabled\",\"health\":\"Healthy\",\"VFs\":\"1/16\",\"vCPUs\":\"20/64\","
                      "\"lastHeartbeat\":\"2026-05-01T10:00:00Z\"},{\"name\":\"host-wcus-1\","
                      "\"location\":\"westcentralus\",\"state\":\"Draining\",\"health\":"
                      "\"Unhealthy\",\"VFs\":\"0/0\",\"vCPUs\":\"0/8\",\"lastHeartbeat\":null}]");
    expect_table(rows,
                 "Name         Location       State     Health     VFs   VCPUs  LastHeartbeat\n"
                 "-----------  -------------  --------  ---------  ----  -----  "
                 "--------------------\n"
                 "host-we-1    westeurope     Enabled   Healthy    1/16  20/64  "
                 "2026-05-01T10:00:00Z\n"
                 "host-wcus-1  westcentralus  Draining  Unhealthy  0/0   0/8\n");
    json_decref(rows);
    /* One host (host show) is one row; a capacity it lacks is an empty cell. */
    json_t *one = parse("{\"name\":\"h\",\"state\":\"Disabled\"}");
    rows = cliview_hosts(one);
    expect_json(rows, "[{\"name\":\"h\",\"location\":\"\",\"state\":\"Disabled\",\"health\":"
                      "\"\",\"VFs\":\"\",\"vCPUs\":\"\",\"lastHeartbeat\":null}]");
    json_decref(rows);
    json_decref(one);
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),         cmocka_unit_test(test_features),
        cmocka_unit_test(test_registrations),  cmocka_unit_test(test_subscriptions),
        cmocka_unit_test(test_skus),           cmocka_unit_test(test_vm_sizes),
        cmocka_unit_test(test_eligibility),    cmocka_unit_test(test_vnets_and_subnets),
        cmocka_unit_test(test_nsgs_and_rules), cmocka_unit_test(test_nics),
        cmocka_unit_test(test_hosts),
    };
    return cmocka_run_group_tests_name("cli/view", tests, NULL, NULL);
}
