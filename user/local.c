// SPDX-License-Identifier: BSD-3-Clause
/*
 * The local program of a live handshake: bpf/sockid.bpf.c records each
 * socket's owner at connect()/accept(); when a record settles its 4-tuple
 * is looked up there (source/sockid.c), the identity copied into the
 * connection's struct local_id and the unit, container and pod derived
 * from its cgroup path (model/local_id.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "local.h"
#include <linux/capability.h>
#include "lib/log.h"
#include "lib/privs.h"
#include "model/local_id.h"
#include "model/record.h"
#include "source/sockid.h"
#include "source/sockseed.h"

_Static_assert(SOCKID_PATH_MAX == LOCAL_PATH_MAX, "paths kept as the kernel recorded them");
_Static_assert(SOCKID_COMM_MAX == LOCAL_COMM_MAX, "comm kept whole");
_Static_assert(SOCKID_SIDE_CLIENT == SIDE_CLIENT && SOCKID_SIDE_SERVER == SIDE_SERVER,
	       "sides as the record's");

#define KUBELET_ROOT "/var/lib/kubelet"

static struct sockid *sid;
static const struct local_filter *filter;
static int tried;

/* What the start named from /proc (sockseed.c), said once. */
static void say_seeded(void)
{
	const struct sockseed_stats *st = sockid_seed_stats(sid);

	pr_info("named %llu listening sockets older than tlsmon from /proc (%llu already "
		"recorded, %llu on one address and port in several namespaces left unnamed)",
		(unsigned long long)st->seeded, (unsigned long long)st->present,
		(unsigned long long)st->ambiguous);
	if (st->unreadable && !privs_has_cap(CAP_SYS_PTRACE) && !privs_has_cap(CAP_SYS_ADMIN))
		pr_warn("%llu processes' descriptors were not readable: their listening sockets "
			"are named at their next listen() only (reading them needs CAP_SYS_PTRACE "
			"at start)", (unsigned long long)st->unreadable);
	if (st->skipped || st->malformed || st->failed)
		pr_warn("naming the listeners older than tlsmon: %llu past a bound, %llu table lines "
			"unreadable, %llu refused by the map",
			(unsigned long long)st->skipped, (unsigned long long)st->malformed,
			(unsigned long long)st->failed);
}

int local_open(const struct local_filter *f)
{
	struct sockid_opts o = { 0 };
	const char *tp = getenv("TLSMON_PROCESS_HOOKS");
	char err[256];
	int e;

	/* TLSMON_PROCESS_HOOKS=tracepoint: the fallback set where fentry loads (man page) */
	o.tp_only = tp && !strcmp(tp, "tracepoint");
	filter = f;
	tried = 1;
	e = sockid_open(&sid, &o, err, sizeof(err));
	if (!e) {
		pr_info("naming local programs (%s)", sockid_kind(sid));
		say_seeded();
		return 0;
	}
	if (local_filter_any(f)) {
		pr_err("%s: --pid, --cgroup and --unit need them", err);
		return e;
	}
	pr_warn("%s; records carry no local program (\"local\": null; --no-process hides this)",
		err);
	return 0;
}

void local_close(void)
{
	sockid_close(sid);
	sid = NULL;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	memcpy(dst, src, len);
	dst[len - 1] = 0;
}

int local_identify(void *ctx, const struct hs_record *r, uint64_t first_ns, uint64_t end_ns,
		   struct local_id *id)
{
	struct sockid_query q = {
		.caddr = r->caddr, .saddr = r->saddr, .cport = r->cport, .sport = r->sport,
		.first_ns = first_ns, .end_ns = end_ns, .start_seen = r->peer.synack_seen,
	};
	struct sockid_val v;

	(void)ctx;
	if (!sid || sockid_lookup(sid, &q, &v) != 1)
		return 0;
	memset(id, 0, sizeof(*id));
	id->side = v.side;
	id->pid = v.pid;
	id->tid = v.tid;
	id->uid = v.uid;
	id->cgroup_id = v.cgroup_id;
	id->sock_cookie = v.cookie;
	copy_str(id->comm, sizeof(id->comm), v.comm);
	copy_str(id->exe, sizeof(id->exe), v.exe);
	copy_str(id->cgroup_path, sizeof(id->cgroup_path), v.cgroup);
	local_id_derive(id, KUBELET_ROOT);
	return 1;
}

int local_keep(void *ctx, const struct hs_record *r)
{
	(void)ctx;
	return local_filter_match(filter, r->local);
}

void local_stats(struct run_stats *st)
{
	const struct sockseed_stats *seed;
	const struct sockid_stats *s;
	struct timespec ts;

	st->proc_hooks = sid != NULL;
	st->proc_tried = tried;
	if (!sid)
		return;
	sockid_counters(sid, st->proc);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sockid_entries(sid, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec, &st->proc_sockets,
		       &st->proc_evicted);
	s = sockid_stats(sid);
	seed = sockid_seed_stats(sid);
	st->proc_seeded = seed->seeded;
	st->proc_seed_unreadable = seed->unreadable;
	st->proc_seed_skipped = seed->ambiguous + seed->skipped + seed->malformed + seed->failed;
	st->proc_found = s->found;
	st->proc_missing = s->missing;
	st->proc_stale = s->stale;
	st->proc_errors = s->errors;
}
