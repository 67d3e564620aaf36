/* benchout — see benchout.h. */
#include "bench/benchout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int benchout_reps(void)
{
    const char *s = getenv("ACCELNET_BENCH_REPS");
    if (s == NULL || *s == '\0')
        return 3;
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || n < 1 || n > 50) {
        fprintf(stderr, "bench: ACCELNET_BENCH_REPS=%s is not a number from 1 to 50; using 3\n", s);
        return 3;
    }
    return (int)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double benchout_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *benchout_num(char *buf, size_t size, double v, int decimals)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, v < 0 ? -v : v);
    size_t intlen = strcspn(raw, ".");
    size_t o = 0;
    if (v < 0 && o + 1 < size)
        buf[o++] = '-';
    for (size_t i = 0; raw[i] && o + 1 < size; i++) {
        if (i > 0 && i < intlen && (intlen - i) % 3 == 0 && o + 2 < size)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

int benchout_row(const char *what, const char *value, const char *baseline, const char *ratio)
{
    const char *path = getenv("ACCELNET_BENCH_RESULTS");
    FILE *f = path && *path ? fopen(path, "a") : stdout;
    if (f == NULL) {
        fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\t%s\t%s\t%s\n", what, value, baseline, ratio);
    int rc = 0;
    if (f != stdout && fclose(f) != 0) {
        fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    printf("  => %s: %s (baseline %s), ratio %s\n", what, value, baseline, ratio);
    return rc;
}
