// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loading the datapath (options as read-only data, maps sized, programs
 * verified), reading its ring buffer, per-CPU counters and flow map, and the
 * test hooks around BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "source/bpf_dp.h"
#include "source/bpf_hook.h"
#include "lib/log.h"
#include "tlsmon.skel.h"

struct bpf_dp {
	struct tlsmon_bpf *skel;
	struct ring_buffer *rb;
	ev_sink sink;
	void *sink_ctx;
	__u32 *hints;		/* the hint array, shared with the kernel (its .bss) */
	struct bpf_dp_opts o;
	struct tlsmon_flow_slot *slots;	/* the flow table, shared with the kernel */
	size_t slots_len;
	__u32 n_slots;
	uint64_t swept;
	uint64_t sweep_errors;
	int ncpus;
	__u64 *percpu;		/* one counter's value per possible CPU */
};

/*
 * An event is its header's size: a record the datapath reserved by size
 * class (a hello) is longer, its tail unwritten.
 */
static int rb_event(void *ctx, void *data, size_t size)
{
	struct bpf_dp *dp = ctx;
	const struct tlsmon_ev_hdr *h = data;

	if (size >= sizeof(*h) && h->size >= sizeof(*h) && h->size < size)
		size = h->size;
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

/*
 * Descriptors that can only read, from the start, of the maps userspace
 * never writes: the counters, the SYN-ACK slots, the programs' scratch.
 * BPF_F_RDONLY in a map's flags is the flag of the descriptor map creation
 * returns, not of the map: the programs still write them.  Writable stay
 * the flow map (the sweep deletes), the hint array (the sweep decrements
 * through its mapping) and the ring buffer (its consumer position).  Done
 * at creation because reopening a map read-only later (BPF_MAP_GET_FD_BY_ID)
 * needs CAP_SYS_ADMIN, which the systemd unit does not give.
 */
static int read_only_fds(struct tlsmon_bpf *skel)
{
	struct bpf_map *ro[] = { skel->maps.counters, skel->maps.synacks, skel->maps.scratch };
	size_t i;
	int e;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		e = bpf_map__set_map_flags(ro[i], bpf_map__map_flags(ro[i]) | BPF_F_RDONLY);
		if (e)
			return e;
	}
	return 0;
}

int bpf_dp_open(struct bpf_dp **out, const struct bpf_dp_opts *o, ev_sink sink,
		void *sink_ctx, char *err, size_t errlen)
{
	struct bpf_dp *dp;
	__u32 sets;
	int e;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	dp->o = *o;
	dp->sink = sink;
	dp->sink_ctx = sink_ctx;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		e = dp->ncpus ? dp->ncpus : -EINVAL;
		snprintf(err, errlen, "cannot count CPUs: %s", strerror(-e));
		goto cleanup;
	}
	dp->percpu = calloc(dp->ncpus, sizeof(*dp->percpu));
	if (!dp->percpu) {
		e = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	/* Open BPF application */
	dp->skel = tlsmon_bpf__open();
	if (!dp->skel) {
		e = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	/* Options reach the programs as read-only data, set before load */
	memcpy((void *)&dp->skel->rodata->tlsmon_cfg, &o->cfg, sizeof(o->cfg));
	/* the flow table: whole sets of slots, a power of two of them */
	sets = tlsmon_flow_sets(o->max_flows ? o->max_flows : 65536);
	dp->skel->rodata->tlsmon_cfg.flow_set_mask = sets - 1;
	dp->n_slots = sets * TLSMON_FLOW_WAYS;
	e = bpf_map__set_max_entries(dp->skel->maps.flows, dp->n_slots);
	if (!e && o->ringbuf_bytes)
		e = bpf_map__set_max_entries(dp->skel->maps.events, o->ringbuf_bytes);
	if (e) {
		snprintf(err, errlen, "cannot size the BPF maps (%u flows, a %u-byte ring buffer): %s",
			 o->max_flows, o->ringbuf_bytes, strerror(-e));
		goto cleanup;
	}
	e = read_only_fds(dp->skel);
	if (e) {
		snprintf(err, errlen, "cannot make the BPF maps' descriptors read-only: %s",
			 strerror(-e));
		goto cleanup;
	}
	/* Load & verify BPF programs */
	e = tlsmon_bpf__load(dp->skel);
	if (e) {
		say_load_error(e, err, errlen);
		goto cleanup;
	}
	dp->rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.events), rb_event, dp, NULL);
	if (!dp->rb) {
		e = -errno;
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	/* The hint array, read and written by the sweep: libbpf mapped the .bss */
	if (!dp->skel->bss) {
		e = -ENOMEM;
		snprintf(err, errlen, "cannot map the flow hint array");
		goto cleanup;
	}
	dp->hints = dp->skel->bss->tlsmon_hints;
	/* The flow table, read by the sweep, which frees idle slots */
	dp->slots_len = ((size_t)dp->n_slots * sizeof(*dp->slots) + 4095) & ~4095ul;
	dp->slots = mmap(NULL, dp->slots_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(dp->skel->maps.flows), 0);
	if (dp->slots == MAP_FAILED) {
		e = -errno;
		snprintf(err, errlen, "cannot map the flow table: %s", strerror(errno));
		dp->slots = NULL;
		goto cleanup;
	}
	*out = dp;
	return 0;
cleanup:
	bpf_dp_close(dp);
	return e;
}

void bpf_dp_hook_progs(struct bpf_dp *dp, struct bpf_hook_progs *p)
{
	p->xdp = bpf_program__fd(dp->skel->progs.tlsmon_xdp);
	p->tc_egress = bpf_program__fd(dp->skel->progs.tlsmon_tc_egress);
	p->tc_ingress = bpf_program__fd(dp->skel->progs.tlsmon_tc_ingress);
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
	int fd = bpf_map__fd(dp->skel->maps.counters);
	__u32 k;
	int c;

	memset(out, 0, sizeof(uint64_t) * TLSMON_C_MAX);
	for (k = 0; k < TLSMON_C_MAX; k++) {
		/* a per-CPU lookup fills one value per possible CPU */
		if (bpf_map_lookup_elem(fd, &k, dp->percpu)) {
			pr_debug("reading counter %u: %s", k, strerror(errno));
			continue;
		}
		for (c = 0; c < dp->ncpus; c++)
			out[k] += dp->percpu[c];
	}
}

static __u32 *hint_slot(struct bpf_dp *dp, __u32 i)
{
	return &dp->hints[i & (TLSMON_HINT_SLOTS - 1)];
}

/* Reassembly and the collector let go of a flow the sweep removed. */
static void flow_gone(struct bpf_dp *dp, const struct tlsmon_flow_key *k,
		      const struct tlsmon_flow *f)
{
	struct tlsmon_ev_small e;

	ev_flow_expired(&e, k, f);
	dp->sink(dp->sink_ctx, &e, sizeof(e));
}

/* Give back one hint: the kernel adds concurrently, so atomic, never below zero. */
static void hint_put(struct bpf_dp *dp, __u32 slot)
{
	__u32 *h = hint_slot(dp, slot);

	for (__u32 v = __atomic_load_n(h, __ATOMIC_RELAXED); v > 0;)
		if (__atomic_compare_exchange_n(h, &v, v - 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
}

/*
 * Walks the flow table, mapped: a slot is freed by swapping its tag for 0,
 * which fails when the kernel ended the flow (or gave its slot to another)
 * since the tag was read, so a flow ends once.  The idle flows' ends are told
 * least recently active first.
 */
void bpf_dp_sweep(struct bpf_dp *dp, uint64_t cutoff_ns, struct bpf_dp_flow_stats *st)
{
	struct tlsmon_flow_slot *sl, copy;
	uint64_t c[TLSMON_C_MAX];
	__u32 live = 0, expired = 0, i;
	__u64 t;

	for (i = 0; i < dp->n_slots; i++) {
		sl = &dp->slots[i];
		t = __atomic_load_n(&sl->tag, __ATOMIC_ACQUIRE);
		if (!t || t == TLSMON_TAG_BUSY)
			continue;	/* free, or a flow being written */
		if (__atomic_load_n(&sl->flow.last_ns, __ATOMIC_RELAXED) >= cutoff_ns) {
			live++;
			continue;
		}
		copy = *sl;
		if (!__atomic_compare_exchange_n(&sl->tag, &t, 0, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;	/* the kernel ended it first, and counted it */
		expired++;
		hint_put(dp, copy.flow.hint);
		flow_gone(dp, &copy.key, &copy.flow);
	}
	dp->swept += expired;
	bpf_dp_counters(dp, c);
	st->live = live;
	st->expired = expired;
	st->sweep_errors = dp->sweep_errors;
	st->evicted = c[TLSMON_C_FLOW_EVICTED];
}

int bpf_dp_check_access(struct bpf_dp *dp)
{
	__u32 c = 0, k;

	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.counters), &c, dp->percpu))
		return -errno;
	if (bpf_map_get_next_key(bpf_map__fd(dp->skel->maps.flows), NULL, &k) && errno != ENOENT)
		return -errno;
	return 0;
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

/* For tests: a writable descriptor of a map whose own is read-only (needs CAP_SYS_ADMIN). */
static int writable_fd(struct bpf_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len))
		return -errno;
	return bpf_map_get_fd_by_id(info.id);
}

void bpf_dp_reset(struct bpf_dp *dp)
{
	int sfd = writable_fd(dp->skel->maps.synacks);
	int cfd = writable_fd(dp->skel->maps.counters);
	struct tlsmon_synack zero = {};
	__u32 i;

	ring_buffer__consume(dp->rb);
	memset(dp->slots, 0, (size_t)dp->n_slots * sizeof(*dp->slots));
	memset(dp->hints, 0, TLSMON_HINT_SLOTS * sizeof(*dp->hints));
	for (i = 0; i < TLSMON_SYNACK_SLOTS; i++)
		bpf_map_update_elem(sfd, &i, &zero, BPF_ANY);
	memset(dp->percpu, 0, dp->ncpus * sizeof(*dp->percpu));
	for (i = 0; i < TLSMON_C_MAX; i++)
		bpf_map_update_elem(cfd, &i, dp->percpu, BPF_ANY);
	dp->swept = 0;
	dp->sweep_errors = 0;
	if (sfd >= 0)
		close(sfd);
	if (cfd >= 0)
		close(cfd);
}

void bpf_dp_close(struct bpf_dp *dp)
{
	if (!dp)
		return;
	if (dp->slots)
		munmap(dp->slots, dp->slots_len);
	ring_buffer__free(dp->rb);
	tlsmon_bpf__destroy(dp->skel);
	free(dp->percpu);
	free(dp);
}
