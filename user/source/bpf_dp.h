/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel datapath: load (verify) the BPF programs, read their ring
 * buffer, counters and flow map.  Attaching them is source/bpf_hook.h's.
 */
#ifndef TLSMON_BPF_DP_H
#define TLSMON_BPF_DP_H

#include <stddef.h>
#include <stdint.h>
#include "pipe/ev.h"
#include "tlsmon.h"
#include "tlsmon_dp_types.h"

struct bpf_dp_opts {
	uint32_t max_flows;	/* flow map entries */
	uint32_t ringbuf_bytes;	/* power of two */
	struct tlsmon_dp_cfg cfg;
};

/*
 * tlsmon's reader is woken once an eighth of the ring buffer waits, and reads
 * whatever is there at every poll timeout in between (cfg.wake_bytes).
 */
#define BPF_DP_WAKE_BYTES(ringbuf_bytes) ((ringbuf_bytes) / 8)

struct bpf_dp;
struct bpf_hook_progs;

/* Open and load (verify) the programs.  -errno with a message that says what to do. */
int bpf_dp_open(struct bpf_dp **out, const struct bpf_dp_opts *o, ev_sink sink,
		void *sink_ctx, char *err, size_t errlen);
/* The programs to attach (source/bpf_hook.h). */
void bpf_dp_hook_progs(struct bpf_dp *dp, struct bpf_hook_progs *p);
/* Wait up to timeout_ms for events and deliver them: count delivered or -errno. */
int bpf_dp_poll(struct bpf_dp *dp, int timeout_ms);
/* Per-CPU counters summed. */
void bpf_dp_counters(struct bpf_dp *dp, uint64_t out[TLSMON_C_MAX]);

struct bpf_dp_flow_stats {
	uint32_t live;		/* entries in the flow map */
	uint32_t expired;	/* removed by this sweep */
	uint64_t evicted;	/* created - deleted - swept - live, since start */
	uint64_t sweep_errors;	/* walks the kernel refused, since start */
};
/* Remove flows idle since before cutoff_ns (CLOCK_BOOTTIME); count what is left. */
void bpf_dp_sweep(struct bpf_dp *dp, uint64_t cutoff_ns, struct bpf_dp_flow_stats *st);
/*
 * Whether this process may still use the maps through the descriptors it
 * holds (after the privilege drop: kernels before 6.5 refuse map access
 * without CAP_BPF when kernel.unprivileged_bpf_disabled is set).  0 or -errno.
 */
int bpf_dp_check_access(struct bpf_dp *dp);
/* Free (detach with bpf_hook_detach first). */
void bpf_dp_close(struct bpf_dp *dp);

/*
 * For tests: the program and map file descriptors.  Those of the maps
 * userspace only reads (counters, synacks, scratch) are read-only.
 */
int bpf_dp_prog_fd(struct bpf_dp *dp, const char *name);
int bpf_dp_map_fd(struct bpf_dp *dp, const char *name);

/*
 * For tests: run one frame through a program with BPF_PROG_TEST_RUN
 * ("tlsmon_xdp", "tlsmon_tc_egress", "tlsmon_tc_ingress"), then deliver the
 * events it produced.  Returns the program's return value or -errno.
 */
int bpf_dp_test_run(struct bpf_dp *dp, const char *prog, const void *frame, uint32_t len);
/*
 * For tests: forget every flow, hint and SYN-ACK, and zero the counters
 * (whose descriptors are read-only: needs CAP_SYS_ADMIN to get writable ones).
 */
void bpf_dp_reset(struct bpf_dp *dp);

#endif
