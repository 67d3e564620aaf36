/* accelnet — the command-line client. */
#include <stdio.h>
#include <string.h>

#include "common/version.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("accelnet %s\n", ACCELNET_VERSION);
        return 0;
    }
    fputs("accelnet: no commands are implemented in this version\n", stderr);
    return 2;
}
