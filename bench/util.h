/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers shared by the benchmark programs. */
#ifndef TLSMON_BENCH_UTIL_H
#define TLSMON_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Pin the calling thread to one CPU: 0, or -errno. */
int bench_pin(int cpu);
/* CLOCK_MONOTONIC in ns. */
uint64_t bench_now(void);
/*
 * This thread's CPU time in ns: unlike the wall clock it stops while another
 * task has the CPU, which on a shared VM is most of the noise.
 */
uint64_t bench_thread_cpu(void);
/* Median of v[0..n) (v is sorted in place); 0 when n is 0. */
double bench_median(double *v, size_t n);
/* The q-quantile (0..1) of v[0..n), v sorted in place. */
double bench_quantile(double *v, size_t n, double q);

/*
 * Where the JIT put each source line of the loaded program fd (its
 * functions too): "ADDRESS\tFILE:LINE\tSOURCE" lines, addresses in hex as
 * perf reports them, written to path.  0, or -errno.
 */
int bench_prog_lines(int fd, const char *path);

#endif
