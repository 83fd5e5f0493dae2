// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loading bpf/sockid.bpf.c (fentry/fexit and a BTF tracepoint: CAP_BPF and
 * CAP_PERFMON, a kernel with BTF) and reading what it recorded per socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "source/sockid.h"
#include "source/sockseed.h"
#include "sockid.skel.h"

struct sockid {
	struct sockid_bpf *skel;
	int map_fd;
	uint32_t netns;		/* tlsmon's own network namespace */
	int tp_only;		/* the tracepoint set: trampolines were refused */
	int ncpus;
	uint64_t *percpu;
	struct sockid_stats st;
	uint64_t live;		/* entries at the last walk */
	uint64_t walked_ns;
	uint64_t evicted;	/* never goes down */
	struct sockseed_stats seed;
};

static void say_error(int e, char *err, size_t errlen)
{
	if (e == -EPERM || e == -EACCES)
		snprintf(err, errlen, "not allowed to load tracing programs (%s): naming local "
			 "programs needs CAP_BPF and CAP_PERFMON", strerror(-e));
	else if (e == -ENOENT || e == -ESRCH || e == -ENOTSUP || e == -EOPNOTSUPP || e == -EINVAL)
		snprintf(err, errlen, "this kernel attaches neither fentry programs nor BTF "
			 "tracepoints (%s): naming local programs needs BTF (CONFIG_DEBUG_INFO_BTF) "
			 "and Linux 5.18 or later", strerror(-e));
	else
		snprintf(err, errlen, "the kernel refused the socket-naming programs (%s); run with "
			 "-vv to see the verifier's log", strerror(-e));
}

static libbpf_print_fn_t print_prev;

/* The first set may be refused: what libbpf says of it is debug output, not a warning. */
static int print_debug(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return print_prev ? print_prev(LIBBPF_DEBUG, fmt, ap) : 0;
}

/* Open, size, load and attach one set: fentry/fexit, or the state tracepoint alone. */
static int load(struct sockid *s, const struct sockid_opts *o, int tp_only)
{
	struct sockid_bpf *k;
	int e;

	k = sockid_bpf__open();
	if (!k)
		return -errno;
	k->rodata->tp_only = tp_only;
	bpf_program__set_autoload(k->progs.sockid_connect, !tp_only);
	bpf_program__set_autoload(k->progs.sockid_accept, !tp_only);
	e = bpf_map__set_max_entries(k->maps.sockets,
				     o->max_entries ? o->max_entries : SOCKID_DEFAULT_ENTRIES);
	/* Load & verify */
	if (!e)
		e = sockid_bpf__load(k);
	/* Attach: connect, accept, the state tracepoint */
	if (!e)
		e = sockid_bpf__attach(k);
	if (e) {
		sockid_bpf__destroy(k);
		return e;
	}
	s->skel = k;
	return 0;
}

int sockid_open(struct sockid **out, const struct sockid_opts *o, char *err, size_t errlen)
{
	struct sockid *s;
	struct stat sb;
	int e;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->ncpus = libbpf_num_possible_cpus();
	s->percpu = s->ncpus > 0 ? calloc(s->ncpus, sizeof(*s->percpu)) : NULL;
	if (!s->percpu) {
		e = -ENOMEM;
		snprintf(err, errlen, "cannot count CPUs or out of memory");
		goto cleanup;
	}
	/* where both ends are sockets of this host (namespaces), ours is the local one */
	if (!stat("/proc/self/ns/net", &sb))
		s->netns = (uint32_t)sb.st_ino;
	/* trampolines first (the accepting process itself); refused: the tracepoint alone */
	if (o->tp_only) {
		e = -EOPNOTSUPP;
	} else {
		print_prev = libbpf_set_print(print_debug);
		e = load(s, o, 0);
		libbpf_set_print(print_prev);
	}
	if (e) {
		pr_debug("socket hooks: fentry/fexit not used (%s), the state tracepoint alone",
			 strerror(-e));
		e = load(s, o, 1);
		s->tp_only = 1;
	}
	if (e) {
		say_error(e, err, errlen);
		goto cleanup;
	}
	s->map_fd = bpf_map__fd(s->skel->maps.sockets);
	/*
	 * Listeners older than the hooks, from /proc: after the hooks, so a
	 * listen() or close() meanwhile is theirs; never over their entry.
	 * Both sets: fentry's accept entries are looked up first.
	 */
	e = sockseed_run(s->map_fd, "/proc", s->netns, &s->seed);
	if (e)
		pr_warn("cannot read /proc (%s): servers listening before tlsmon started are "
			"named only at their next listen()", strerror(-e));
	*out = s;
	return 0;
cleanup:
	sockid_close(s);
	return e;
}

const char *sockid_kind(const struct sockid *s)
{
	return s->tp_only ? "tracepoint inet_sock_set_state: connect, listen"
			  : "fentry tcp_connect, fexit inet_csk_accept";
}

int sockid_entry_valid(const struct sockid_val *v, int side, const struct sockid_query *q)
{
	if (v->side != side)
		return 0;
	/* closed before this connection's first packet: an earlier connection's */
	if (v->closed_ns && v->closed_ns < q->first_ns)
		return 0;
	/* connect() comes before any packet of its connection */
	if (side == SOCKID_SIDE_CLIENT)
		return v->created_ns <= q->first_ns;
	/*
	 * A listener older than tlsmon (from /proc) names only connections
	 * tlsmon saw begin: one made before it started is not provably this
	 * program's (a socket passed on since), and goes without a name.
	 */
	if ((v->flags & SOCKID_F_SEEDED) && !q->start_seen)
		return 0;
	/* accept() may come after the ClientHello, not after the connection ended */
	return !q->end_ns || v->created_ns <= q->end_ns;
}

/*
 * The tracepoint set knows a server by its listening socket: the address
 * and port, then the wildcards (0.0.0.0 IPv4-mapped, :: for dual stack).
 */
static int find_listener(struct sockid *s, struct sockid_key *k, const struct sockid_query *q,
			 struct sockid_val *v)
{
	static const uint8_t any4[16] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *addr[3] = { q->saddr, any4, (const uint8_t[16]){ 0 } };
	int i;

	memset(k->raddr, 0, sizeof(k->raddr));
	k->rport = 0;
	for (i = 0; i < 3; i++) {
		memcpy(k->laddr, addr[i], 16);
		s->st.map_lookups++;
		if (!bpf_map_lookup_elem(s->map_fd, k, v))
			return sockid_entry_valid(v, SOCKID_SIDE_SERVER, q) ? 1 : -1;
		if (errno != ENOENT)
			return -2;
	}
	return 0;
}

/* 1 valid, 0 none, -1 stale, -2 the kernel refused */
static int find(struct sockid *s, int side, const struct sockid_query *q, struct sockid_val *v)
{
	struct sockid_key k;

	memset(&k, 0, sizeof(k));
	if (side == SOCKID_SIDE_CLIENT) {
		memcpy(k.laddr, q->caddr, 16);
		memcpy(k.raddr, q->saddr, 16);
		k.lport = q->cport;
		k.rport = q->sport;
	} else {
		memcpy(k.laddr, q->saddr, 16);
		memcpy(k.raddr, q->caddr, 16);
		k.lport = q->sport;
		k.rport = q->cport;
	}
	s->st.map_lookups++;
	if (!bpf_map_lookup_elem(s->map_fd, &k, v))
		return sockid_entry_valid(v, side, q) ? 1 : -1;
	if (errno != ENOENT)
		return -2;
	return side == SOCKID_SIDE_SERVER ? find_listener(s, &k, q, v) : 0;
}

int sockid_lookup(struct sockid *s, const struct sockid_query *q, struct sockid_val *out)
{
	struct sockid_val c, v;
	int rc, rs;

	s->st.lookups++;
	rc = find(s, SOCKID_SIDE_CLIENT, q, &c);
	/*
	 * The client's end in tlsmon's namespace is the answer whatever the
	 * server's (below): a system call saved, the commonest case on a host
	 * that makes the connections.
	 */
	if (rc == 1 && c.netns == s->netns) {
		*out = c;
		s->st.found++;
		return 1;
	}
	rs = find(s, SOCKID_SIDE_SERVER, q, &v);
	/* both ends on this host (namespaces): the one in tlsmon's namespace, else the client */
	if (rc == 1 && (rs != 1 || v.netns != s->netns || c.netns == s->netns))
		v = c;
	else if (rs != 1)
		rs = rc;
	if (rc == 1 || rs == 1) {
		*out = v;
		s->st.found++;
		return 1;
	}
	if (rc == -1 || rs == -1)
		s->st.stale++;
	else if (rc == -2 || rs == -2)
		s->st.errors++;
	else
		s->st.missing++;
	return 0;
}

void sockid_counters(struct sockid *s, uint64_t out[SOCKID_C_MAX])
{
	__u32 i;
	int c;

	memset(out, 0, SOCKID_C_MAX * sizeof(out[0]));
	if (!s)
		return;
	for (i = 0; i < SOCKID_C_MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.sockid_counters), &i, s->percpu))
			continue;
		for (c = 0; c < s->ncpus; c++)
			out[i] += s->percpu[c];
	}
}

void sockid_entries(struct sockid *s, uint64_t now_ns, uint64_t *live, uint64_t *evicted)
{
	uint64_t c[SOCKID_C_MAX], n = 0, gone;
	struct sockid_key k, next;
	void *prev = NULL;

	if (!s->walked_ns || now_ns - s->walked_ns >= 5000000000ull) {
		s->walked_ns = now_ns;
		while (!bpf_map_get_next_key(s->map_fd, prev, &next)) {
			n++;
			k = next;
			prev = &k;
		}
		s->live = n;
		sockid_counters(s, c);
		/* entries only leave the map when pushed out: what was added and is not there */
		gone = c[SOCKID_C_CONNECTS] + c[SOCKID_C_ACCEPTS] + s->seed.seeded -
		       c[SOCKID_C_REPLACED];
		gone = gone > n ? gone - n : 0;
		if (gone > s->evicted)
			s->evicted = gone;
	}
	*live = s->live;
	*evicted = s->evicted;
}

const struct sockid_stats *sockid_stats(const struct sockid *s)
{
	return &s->st;
}

const struct sockseed_stats *sockid_seed_stats(const struct sockid *s)
{
	return &s->seed;
}

int sockid_map_fd(struct sockid *s)
{
	return s->map_fd;
}

int sockid_idents_fd(struct sockid *s)
{
	return bpf_map__fd(s->skel->maps.idents);
}

void sockid_close(struct sockid *s)
{
	if (!s)
		return;
	sockid_bpf__destroy(s->skel);
	free(s->percpu);
	free(s);
}
