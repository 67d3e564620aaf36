/* accelnet-agent — the per-host agent. The protocol and its backends (sim,
 * netns, sriov) arrive with the VMs/agents issue; until then this program
 * only says so, and exits non-zero, rather than pretend to serve. */
#include <stdio.h>
#include <string.h>

#include "common/version.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("accelnet-agent %s\n", ACCELNET_VERSION);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("Usage: accelnet-agent --version\n\n"
             "The host agent (VF allocation, policy offload) is not implemented in this\n"
             "version; accelnetd does not place VMs yet.");
        return 0;
    }
    fputs("accelnet-agent: no backend is implemented in this version (see --help)\n", stderr);
    return 2;
}
