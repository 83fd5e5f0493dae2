// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "source/bpf_dp.h"
#include "lib/log.h"
#include "tlsmon.skel.h"

/* Our TC filters always sit here, so a later run can find a crashed run's. */

struct attached {
	struct iface ifc;
	int xdp_link;		/* -1: none */
	int lock_fd;
	const char *mode;
	int tcx_link[2];	/* TCX links, egress and ingress; -1: none */
	int tc_egress, tc_ingress;	/* netlink TC filters (kernels before TCX) */
	int hook_created;
};

struct bpf_dp {
	struct tlsmon_bpf *skel;
	struct ring_buffer *rb;
	ev_sink sink;
	void *sink_ctx;
	__u64 *hints;		/* the hint array, shared with the kernel: see hint_slot() */
	size_t hints_len;
	struct bpf_dp_opts o;
	struct attached at[TLSMON_MAX_IFACES];
	size_t nat;
	uint64_t swept;
	int ncpus;
};

static int rb_event(void *ctx, void *data, size_t size)
{
	struct bpf_dp *dp = ctx;

	dp->sink(dp->sink_ctx, data, size);
	return 0;
}

static void say_load_error(int e, char *err, size_t errlen)
{
	if (e == -EPERM || e == -EACCES)
		snprintf(err, errlen, "not allowed to load BPF programs (%s): tlsmon needs root "
			 "(CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON); run it with sudo, or read a capture "
			 "with --read FILE", strerror(-e));
	else if (e == -ENOSYS || e == -EOPNOTSUPP)
		snprintf(err, errlen, "this kernel cannot run BPF programs (%s): tlsmon needs "
			 "Linux 5.18 or later built with CONFIG_BPF_SYSCALL and BTF", strerror(-e));
	else
		snprintf(err, errlen, "the kernel refused the BPF programs (%s); run with -vv to "
			 "see the verifier's log", strerror(-e));
}

int bpf_dp_open(struct bpf_dp **out, const struct bpf_dp_opts *o, ev_sink sink,
		void *sink_ctx, char *err, size_t errlen)
{
	struct bpf_dp *dp = calloc(1, sizeof(*dp));
	int e;
	size_t i;

	if (!dp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < TLSMON_MAX_IFACES; i++) {
		dp->at[i].xdp_link = -1;
		dp->at[i].tcx_link[0] = dp->at[i].tcx_link[1] = -1;
		dp->at[i].lock_fd = -1;
	}
	dp->o = *o;
	dp->sink = sink;
	dp->sink_ctx = sink_ctx;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		snprintf(err, errlen, "cannot count CPUs: %s", strerror(-dp->ncpus));
		free(dp);
		return -EINVAL;
	}
	/* Open BPF application */
	dp->skel = tlsmon_bpf__open();
	if (!dp->skel) {
		e = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		free(dp);
		return e;
	}
	/* Options reach the programs as read-only data, set before load */
	memcpy((void *)&dp->skel->rodata->tlsmon_cfg, &o->cfg, sizeof(o->cfg));
	if (o->max_flows)
		bpf_map__set_max_entries(dp->skel->maps.flows, o->max_flows);
	if (o->ringbuf_bytes)
		bpf_map__set_max_entries(dp->skel->maps.events, o->ringbuf_bytes);
	/* Load & verify BPF programs */
	e = tlsmon_bpf__load(dp->skel);
	if (e) {
		say_load_error(e, err, errlen);
		tlsmon_bpf__destroy(dp->skel);
		free(dp);
		return e;
	}
	dp->rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.events), rb_event, dp, NULL);
	if (!dp->rb) {
		e = -errno;
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		bpf_dp_close(dp);
		return e;
	}
	dp->hints_len = (TLSMON_HINT_SLOTS * sizeof(__u64) + 4095) & ~4095ul;
	dp->hints = mmap(NULL, dp->hints_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(dp->skel->maps.hints), 0);
	if (dp->hints == MAP_FAILED) {
		e = -errno;
		snprintf(err, errlen, "cannot map the flow hint array: %s", strerror(errno));
		dp->hints = NULL;
		bpf_dp_close(dp);
		return e;
	}
	*out = dp;
	return 0;
}

/*
 * Where the per-interface locks live: systemd's RuntimeDirectory=tlsmon
 * makes /run/tlsmon ours and says so in $RUNTIME_DIRECTORY, so a service
 * that does not start as root can create its locks there.
 */
static const char *lock_dir(struct bpf_dp *dp, char *buf, size_t len)
{
	const char *rd = getenv("RUNTIME_DIRECTORY");

	if (dp->o.lock_dir)
		return dp->o.lock_dir;
	if (!rd || *rd != '/')
		return "/run/tlsmon";
	/* several RuntimeDirectory= entries come colon-separated: the first */
	snprintf(buf, len, "%.*s", (int)strcspn(rd, ":"), rd);
	return buf;
}

static int take_lock(struct bpf_dp *dp, struct attached *a, char *err, size_t errlen)
{
	char path[256], pid[32] = "", dbuf[200];
	const char *dir = lock_dir(dp, dbuf, sizeof(dbuf));
	struct stat st;
	ssize_t n;
	int fd;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	/* interface names repeat across network namespaces: qualify by namespace */
	if (stat("/proc/self/ns/net", &st))
		st.st_ino = 0;
	snprintf(path, sizeof(path), "%s/%lu-%s.lock", dir, (unsigned long)st.st_ino, a->ifc.name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* another user's lock file (a root run before a service run) locks as well read-only */
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		snprintf(err, errlen, "another tlsmon (pid %s) is already watching %s; stop it "
			 "first, or watch other interfaces with -i", *pid ? pid : "?", a->ifc.name);
		close(fd);
		return -EBUSY;
	}
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(pid, sizeof(pid), "%d\n", getpid());
		if (pwrite(fd, pid, n, 0) != n)
			pr_debug("cannot record our pid in %s", path);
	}
	a->lock_fd = fd;
	return 0;
}

static int tc_is_ours(__u32 prog_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id), ours = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ours = !strncmp(info.name, "tlsmon_tc", 9);
	close(fd);
	return ours;
}

int bpf_dp_remove_stale_tc(unsigned int ifindex)
{
	enum bpf_tc_attach_point points[] = { BPF_TC_EGRESS, BPF_TC_INGRESS };
	/* most interfaces have no clsact qdisc: the kernel's complaint is noise here */
	libbpf_print_fn_t print = libbpf_set_print(NULL);
	int removed = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = points[i]);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = TLSMON_TC_HANDLE,
				    .priority = TLSMON_TC_PRIO);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, d, .handle = TLSMON_TC_HANDLE,
				    .priority = TLSMON_TC_PRIO);

		if (bpf_tc_query(&hook, &q) || !tc_is_ours(q.prog_id))
			continue;
		if (!bpf_tc_detach(&hook, &d))
			removed++;
	}
	libbpf_set_print(print);
	return removed;
}

static int attach_xdp(struct bpf_dp *dp, struct attached *a, char *err, size_t errlen)
{
	int prog = bpf_program__fd(dp->skel->progs.tlsmon_xdp), fd, e;
	__u32 id = 0;
	LIBBPF_OPTS(bpf_link_create_opts, lo);

	if (dp->o.xdp_mode != XDP_MODE_GENERIC) {
		lo.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog, a->ifc.ifindex, BPF_XDP, &lo);
		if (fd >= 0) {
			a->xdp_link = fd;
			a->mode = "native";
			return 0;
		}
		e = -errno;
		if (dp->o.xdp_mode == XDP_MODE_NATIVE || e == -EBUSY || e == -EEXIST)
			goto fail;
		pr_info("%s: native XDP not available (%s), using generic XDP", a->ifc.name,
			strerror(-e));
	}
	lo.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog, a->ifc.ifindex, BPF_XDP, &lo);
	if (fd >= 0) {
		a->xdp_link = fd;
		a->mode = "generic";
		return 0;
	}
	e = -errno;
fail:
	if (e == -EBUSY || e == -EEXIST) {
		bpf_xdp_query_id(a->ifc.ifindex, 0, &id);
		snprintf(err, errlen, "an XDP program (id %u) is already attached to %s; detach it "
			 "(ip link set dev %s xdp off) or watch ingress with --tc-ingress",
			 id, a->ifc.name, a->ifc.name);
	} else if (dp->o.xdp_mode == XDP_MODE_NATIVE) {
		snprintf(err, errlen, "attaching XDP in native mode to %s failed (%s) - try "
			 "--xdp-mode generic", a->ifc.name, strerror(-e));
	} else {
		snprintf(err, errlen, "attaching XDP to %s failed: %s", a->ifc.name, strerror(-e));
	}
	return e;
}

/* Older uapi headers lack the TCX attach types (Linux 6.6); the values are ABI. */
#define TLSMON_BPF_TCX_INGRESS 46
#define TLSMON_BPF_TCX_EGRESS 47

/*
 * TC through a TCX link where the kernel has them (6.6 and later): like the
 * XDP link it goes away with the last file descriptor, so a killed tlsmon
 * leaves nothing behind and detaching needs no privilege.  Older kernels get
 * a netlink TC filter on a clsact qdisc, removed at exit or by the next run.
 */
static int attach_tc(struct bpf_dp *dp, struct attached *a, enum bpf_tc_attach_point point,
		     char *err, size_t errlen)
{
	struct bpf_program *p = point == BPF_TC_EGRESS ? dp->skel->progs.tlsmon_tc_egress
						       : dp->skel->progs.tlsmon_tc_ingress;
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifc.ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TLSMON_TC_HANDLE,
			    .priority = TLSMON_TC_PRIO, .prog_fd = bpf_program__fd(p));
	int i = point == BPF_TC_EGRESS ? 0 : 1, fd, e;

	if (!dp->o.tc_netlink) {
		fd = bpf_link_create(bpf_program__fd(p), a->ifc.ifindex,
				     i ? TLSMON_BPF_TCX_INGRESS : TLSMON_BPF_TCX_EGRESS, NULL);
		if (fd >= 0) {
			a->tcx_link[i] = fd;
			return 0;
		}
		e = -errno;
		if (e != -EINVAL && e != -EOPNOTSUPP) {
			snprintf(err, errlen, "attaching the TC %s program to %s failed: %s",
				 i ? "ingress" : "egress", a->ifc.name, strerror(-e));
			return e;
		}
		pr_debug("%s: no TCX links in this kernel (%s), using a clsact TC filter",
			 a->ifc.name, strerror(-e));
	}

	/* the clsact qdisc may exist already (ours, for the other direction, or
	 * someone else's); remember whether we made it.  libbpf prints the
	 * kernel's complaint about an existing one: noise here. */
	if (a->hook_created) {
		e = 0;
	} else {
		libbpf_print_fn_t print = libbpf_set_print(NULL);

		e = bpf_tc_hook_create(&hook);
		libbpf_set_print(print);
		if (!e)
			a->hook_created = 1;
	}
	if (e && e != -EEXIST) {
		snprintf(err, errlen, "cannot add a clsact qdisc to %s: %s", a->ifc.name,
			 strerror(-e));
		return e;
	}
	e = bpf_tc_attach(&hook, &opts);
	if (e) {
		snprintf(err, errlen, "attaching the TC %s program to %s failed: %s",
			 point == BPF_TC_EGRESS ? "egress" : "ingress", a->ifc.name, strerror(-e));
		return e;
	}
	if (point == BPF_TC_EGRESS)
		a->tc_egress = 1;
	else
		a->tc_ingress = 1;
	return 0;
}

static void detach_one(struct attached *a)
{
	enum bpf_tc_attach_point pts[2] = { BPF_TC_EGRESS, BPF_TC_INGRESS };
	int on[2] = { a->tc_egress, a->tc_ingress };
	size_t i;
	int denied = 0;

	if (a->xdp_link >= 0) {
		close(a->xdp_link);
		a->xdp_link = -1;
	}
	for (i = 0; i < 2; i++) {
		if (a->tcx_link[i] >= 0) {
			close(a->tcx_link[i]);
			a->tcx_link[i] = -1;
		}
	}
	for (i = 0; i < 2; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifc.ifindex,
				    .attach_point = pts[i]);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TLSMON_TC_HANDLE,
				    .priority = TLSMON_TC_PRIO);
		int e = on[i] ? bpf_tc_detach(&hook, &opts) : 0;

		/* after the privilege drop netlink refuses: the filter outlives us */
		if (e == -EPERM || e == -EACCES)
			denied++;
		else if (e)
			pr_warn("%s: could not remove the TC %s filter (already gone?)", a->ifc.name,
				i ? "ingress" : "egress");
	}
	if (denied)
		pr_warn("%s: %d TC filter(s) stay attached (removing them needs CAP_NET_ADMIN, "
			"given up after attaching); the next tlsmon on %s removes them",
			a->ifc.name, denied, a->ifc.name);
	a->tc_egress = a->tc_ingress = 0;
	if (a->hook_created) {
		/* destroy only what we created */
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifc.ifindex,
				    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
		a->hook_created = 0;
	}
	if (a->lock_fd >= 0) {
		close(a->lock_fd);
		a->lock_fd = -1;
	}
}

int bpf_dp_attach(struct bpf_dp *dp, const struct iface *ifs, size_t n, char *err, size_t errlen)
{
	struct attached *a;
	size_t i;
	int e, stale;

	if (n > TLSMON_MAX_IFACES) {
		snprintf(err, errlen, "at most %d interfaces", TLSMON_MAX_IFACES);
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		a = &dp->at[dp->nat];
		a->ifc = ifs[i];
		e = take_lock(dp, a, err, errlen);
		if (e)
			goto undo;
		/* the lock is ours, so TC filters of tlsmon here are a crashed run's */
		stale = bpf_dp_remove_stale_tc(a->ifc.ifindex);
		if (stale)
			pr_info("%s: removed %d TC filter(s) left by an earlier tlsmon", a->ifc.name,
				stale);
		dp->nat++;
		if (dp->o.tc_ingress) {
			e = attach_tc(dp, a, BPF_TC_INGRESS, err, errlen);
			a->mode = "tc";
		} else {
			e = attach_xdp(dp, a, err, errlen);
		}
		if (!e)
			e = attach_tc(dp, a, BPF_TC_EGRESS, err, errlen);
		if (e)
			goto undo;
		pr_info("watching %s (ingress: %s%s, egress: tc)", a->ifc.name,
			dp->o.tc_ingress ? "tc" : "xdp ", dp->o.tc_ingress ? "" : a->mode);
	}
	return 0;
undo:
	while (dp->nat)
		detach_one(&dp->at[--dp->nat]);
	if (a->lock_fd >= 0) {
		close(a->lock_fd);
		a->lock_fd = -1;
	}
	return e;
}

int bpf_dp_poll(struct bpf_dp *dp, int timeout_ms)
{
	int n = ring_buffer__poll(dp->rb, timeout_ms);

	if (n == -EINTR)
		n = 0;
	/* events put in without a wakeup (cfg.wake_bytes): read at every pass */
	if (n >= 0 && dp->skel->rodata->tlsmon_cfg.wake_bytes) {
		int k = ring_buffer__consume(dp->rb);

		n = k < 0 ? k : n + k;
	}
	return n;
}

void bpf_dp_counters(struct bpf_dp *dp, uint64_t out[TLSMON_C_MAX])
{
	__u64 v[512];
	__u32 k;
	int c;

	memset(out, 0, sizeof(uint64_t) * TLSMON_C_MAX);
	if (dp->ncpus > 512)
		return;
	for (k = 0; k < TLSMON_C_MAX; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.counters), &k, v))
			continue;
		for (c = 0; c < dp->ncpus; c++)
			out[k] += v[c];
	}
}

/*
 * The kernel lays array elements out 8 bytes apart whatever the value size,
 * and the mmapped array shows that layout: the __u32 of slot i is the first
 * half of the i-th 8-byte element, not hints32[i].
 */
static __u32 *hint_slot(struct bpf_dp *dp, __u32 i)
{
	return (__u32 *)&dp->hints[i & (TLSMON_HINT_SLOTS - 1)];
}

void bpf_dp_sweep(struct bpf_dp *dp, uint64_t cutoff_ns, struct bpf_dp_flow_stats *st)
{
	int fd = bpf_map__fd(dp->skel->maps.flows);
	struct tlsmon_flow_key key, next, *prev = NULL;
	struct tlsmon_flow f;
	uint64_t c[TLSMON_C_MAX], gone;
	__u32 live = 0, expired = 0, *h;

	/* bounded: never more than the map holds, twice over for concurrent inserts */
	for (__u32 i = 0; i < 2 * bpf_map__max_entries(dp->skel->maps.flows); i++) {
		if (bpf_map_get_next_key(fd, prev, &next))
			break;
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f))
			continue;
		if (f.last_ns >= cutoff_ns) {
			live++;
			continue;
		}
		if (bpf_map_delete_elem(fd, &key))
			continue;
		expired++;
		h = hint_slot(dp, f.hint);
		/* the kernel adds concurrently: atomic, and never below zero */
		for (__u32 v = __atomic_load_n(h, __ATOMIC_RELAXED); v > 0;)
			if (__atomic_compare_exchange_n(h, &v, v - 1, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				break;
	}
	dp->swept += expired;
	bpf_dp_counters(dp, c);
	st->live = live;
	st->expired = expired;
	/* LRU evictions are silent in the kernel: what is neither deleted nor live */
	gone = c[TLSMON_C_FLOWS_CREATED] - c[TLSMON_C_FLOWS_DELETED] - dp->swept;
	st->evicted = gone > live ? gone - live : 0;
}

int bpf_dp_check_access(struct bpf_dp *dp)
{
	struct tlsmon_flow_key k;
	__u64 v[512];
	__u32 c = 0;

	if (dp->ncpus > 512)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.counters), &c, v))
		return -errno;
	if (bpf_map_get_next_key(bpf_map__fd(dp->skel->maps.flows), NULL, &k) && errno != ENOENT)
		return -errno;
	return 0;
}

const char *bpf_dp_mode(const struct bpf_dp *dp, size_t i)
{
	return i < dp->nat ? dp->at[i].mode : NULL;
}

int bpf_dp_prog_fd(struct bpf_dp *dp, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(dp->skel->obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

int bpf_dp_map_fd(struct bpf_dp *dp, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->skel->obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int bpf_dp_test_run(struct bpf_dp *dp, const char *prog, const void *frame, uint32_t len)
{
	int fd = bpf_dp_prog_fd(dp, prog), e;
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = len, .repeat = 1);

	if (fd < 0)
		return fd;
	e = bpf_prog_test_run_opts(fd, &t);
	if (e)
		return -errno;
	ring_buffer__consume(dp->rb);
	return t.retval;
}

void bpf_dp_reset(struct bpf_dp *dp)
{
	int ffd = bpf_map__fd(dp->skel->maps.flows), sfd = bpf_map__fd(dp->skel->maps.synacks);
	int cfd = bpf_map__fd(dp->skel->maps.counters);
	struct tlsmon_flow_key k;
	struct tlsmon_synack zero = {};
	__u64 zeros[512] = {};
	__u32 i;

	ring_buffer__consume(dp->rb);
	for (i = 0; i < 2 * bpf_map__max_entries(dp->skel->maps.flows); i++) {
		if (bpf_map_get_next_key(ffd, NULL, &k) || bpf_map_delete_elem(ffd, &k))
			break;
	}
	memset(dp->hints, 0, TLSMON_HINT_SLOTS * sizeof(__u64));
	for (i = 0; i < TLSMON_SYNACK_SLOTS; i++)
		bpf_map_update_elem(sfd, &i, &zero, BPF_ANY);
	for (i = 0; i < TLSMON_C_MAX && dp->ncpus <= 512; i++)
		bpf_map_update_elem(cfd, &i, zeros, BPF_ANY);
	dp->swept = 0;
}

void bpf_dp_close(struct bpf_dp *dp)
{
	if (!dp)
		return;
	while (dp->nat)
		detach_one(&dp->at[--dp->nat]);
	if (dp->hints)
		munmap(dp->hints, dp->hints_len);
	ring_buffer__free(dp->rb);
	tlsmon_bpf__destroy(dp->skel);
	free(dp);
}
