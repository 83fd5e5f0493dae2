// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "util.h"

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t bench_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_quantile(double *v, size_t n, double q)
{
	double pos;
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (n - 1);
	i = (size_t)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

double bench_median(double *v, size_t n)
{
	return bench_quantile(v, n, 0.5);
}

/* A line's source text, its leading blanks left out, tabs made spaces. */
static void put_source(FILE *f, const char *src)
{
	while (*src == ' ' || *src == '\t')
		src++;
	for (; *src; src++)
		fputc(*src == '\t' || *src == '\n' ? ' ' : *src, f);
}

int bench_prog_lines(int fd, const char *path)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, rs, i;
	struct bpf_line_info *li = NULL;
	__u64 *jli = NULL;
	struct btf *btf = NULL;
	const char *file, *src, *base;
	FILE *f = NULL;
	int e = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	n = info.nr_line_info < info.nr_jited_line_info ? info.nr_line_info
							 : info.nr_jited_line_info;
	rs = info.line_info_rec_size;
	if (!n || rs < sizeof(*li) || info.jited_line_info_rec_size != sizeof(__u64))
		return -ENOENT;	/* no line info: a program built without BTF, or not JITed */
	li = calloc(n, rs);
	jli = calloc(n, sizeof(*jli));
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!li || !jli || !btf) {
		e = btf ? -ENOMEM : -errno;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	info.nr_line_info = n;
	info.line_info_rec_size = rs;
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = n;
	info.jited_line_info_rec_size = sizeof(__u64);
	info.jited_line_info = (__u64)(unsigned long)jli;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		e = -errno;
		goto out;
	}
	f = fopen(path, "w");
	if (!f) {
		e = -errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct bpf_line_info *l = (const void *)((const char *)li + (size_t)i * rs);

		file = btf__name_by_offset(btf, l->file_name_off);
		src = btf__name_by_offset(btf, l->line_off);
		base = file && strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		fprintf(f, "%llx\t%s:%u\t", (unsigned long long)jli[i], base ? base : "?",
			BPF_LINE_INFO_LINE_NUM(l->line_col));
		put_source(f, src ? src : "");
		fputc('\n', f);
	}
	if (fclose(f))
		e = -errno;
out:
	btf__free(btf);
	free(li);
	free(jli);
	return e;
}
