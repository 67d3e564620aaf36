/* accelnet — the command-line client (cli/cli.h). */
#include <stdio.h>

#include <curl/curl.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("accelnet: cannot initialise libcurl\n", stderr);
        return CLI_EXIT_ERROR;
    }
    int rc = cli_run(&cli_table, argc, argv, stdout, stderr);
    curl_global_cleanup();
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_ERROR; /* the output did not get out (a full disk, a closed pipe) */
    return rc;
}
