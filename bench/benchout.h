/* benchout — what the bench programs share: the number of repetitions, the
 * median of repeated measurements, numbers written for people, and the rows
 * of the table bench/run.sh prints at the end.
 *
 * A row is one measurement against its baseline, both measured in the same
 * run on the same machine: what, its value, the baseline (what and value),
 * and the ratio. The rows go to the file named by ACCELNET_BENCH_RESULTS
 * (bench/run.sh sets it), one line each, the four fields separated by tabs;
 * without it, to stdout. */
#ifndef ACCELNET_BENCH_BENCHOUT_H
#define ACCELNET_BENCH_BENCHOUT_H

#include <stddef.h>

/* ACCELNET_BENCH_REPS (1..50), else 3: how many times each measurement is
 * repeated; the table shows the median. */
int benchout_reps(void);
/* The median of v[0..n-1] (sorts v); 0 when n is 0. */
double benchout_median(double *v, size_t n);
/* v with `decimals` decimals and thousands separators ("12,345.6") in buf;
 * returns buf. */
const char *benchout_num(char *buf, size_t size, double v, int decimals);
/* Appends one row; 0, or -1 with a message on stderr. */
int benchout_row(const char *what, const char *value, const char *baseline, const char *ratio);

#endif
