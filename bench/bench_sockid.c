// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the socket hooks that name local programs (bpf/sockid.bpf.c) add to
 * a TCP connection: a loopback connect()/accept()/close() loop, timed in
 * rounds alternating without and with the hooks attached (each set the
 * kernel loads: fentry/fexit, and the state tracepoint alone), the median
 * per connection of each.  Thread CPU time, not the wall clock: the hooks
 * run in the connecting and accepting thread (and the state tracepoint in
 * softirq on this CPU for loopback), and a shared VM's steal stays out.
 *
 *   bench_sockid [--conns N] [--rounds R]
 *
 * Output, tab separated: set  conns  off_ns  on_ns  ratio  on_p25  on_p75
 * (a set the kernel refuses: its line says "refused" and why).  Each round
 * with the hooks checks that they recorded every one of its connections.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "source/sockid.h"
#include "util.h"

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)a, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* n connections made, accepted and reset: thread CPU ns per connection, or -1. */
static double loop(int lfd, const struct sockaddr_in *a, unsigned n)
{
	struct linger lg = { 1, 0 };
	uint64_t t0 = bench_thread_cpu();
	unsigned i;
	int c, s;

	for (i = 0; i < n; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (const struct sockaddr *)a, sizeof(*a)))
			return -1;
		s = accept(lfd, NULL, NULL);
		if (s < 0)
			return -1;
		/* a reset: no TIME_WAIT piles up over the loop */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(s);
	}
	return (double)(bench_thread_cpu() - t0) / n;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Rounds alternating off and on with one set; its line. */
static int measure(const char *name, int tp_only, unsigned conns, unsigned rounds)
{
	struct sockid_opts o = { .tp_only = tp_only };
	struct sockaddr_in a;
	uint64_t seen[SOCKID_C_MAX];
	struct sockid *sid;
	double *off, *on, v;
	char err[256];
	unsigned r;
	int lfd, e, rc = 1;

	off = calloc(rounds, sizeof(*off));
	on = calloc(rounds, sizeof(*on));
	lfd = listener(&a);
	if (!off || !on || lfd < 0) {
		fprintf(stderr, "bench_sockid: cannot listen on loopback: %s\n", strerror(errno));
		goto cleanup;
	}
	loop(lfd, &a, conns / 4);	/* warm up */
	for (r = 0; r < rounds; r++) {
		off[r] = loop(lfd, &a, conns);
		e = sockid_open(&sid, &o, err, sizeof(err));
		if (e) {
			printf("%s\trefused\t%s\n", name, err);
			rc = 0;
			goto cleanup;
		}
		/* the hooks must be the ones named: fentry may load where tp_only is not asked */
		if (!tp_only && strncmp(sockid_kind(sid), "fentry", 6)) {
			printf("%s\trefused\tthe kernel loads the tracepoint set only\n", name);
			sockid_close(sid);
			rc = 0;
			goto cleanup;
		}
		on[r] = loop(lfd, &a, conns);
		/* checked: every connection of the round went through the hooks */
		sockid_counters(sid, seen);
		sockid_close(sid);
		if (seen[SOCKID_C_CONNECTS] < conns) {
			fprintf(stderr, "bench_sockid: %s: %llu of %u connections recorded\n", name,
				(unsigned long long)seen[SOCKID_C_CONNECTS], conns);
			goto cleanup;
		}
		if (off[r] < 0 || on[r] < 0) {
			fprintf(stderr, "bench_sockid: the loop failed: %s\n", strerror(errno));
			goto cleanup;
		}
	}
	v = bench_median(off, rounds);
	printf("%s\t%u\t%.0f\t%.0f\t%.2f", name, conns, v, bench_median(on, rounds),
	       bench_median(on, rounds) / v);
	printf("\t%.0f\t%.0f\n", bench_quantile(on, rounds, 0.25), bench_quantile(on, rounds, 0.75));
	rc = 0;
cleanup:
	if (lfd >= 0)
		close(lfd);
	free(off);
	free(on);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned conns = 5000, rounds = 9;
	int i, rc = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--conns"))
			conns = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = strtoul(argv[i + 1], NULL, 10);
	}
	if (!conns || !rounds || rounds > 1000) {
		fprintf(stderr, "usage: bench_sockid [--conns N] [--rounds R (1..1000)]\n");
		return 2;
	}
	libbpf_set_print(quiet);
	bench_pin(0);
	printf("set\tconns\toff_ns\ton_ns\tratio\ton_p25\ton_p75\n");
	rc |= measure("fentry", 0, conns, rounds);
	rc |= measure("tracepoint", 1, conns, rounds);
	return rc;
}
