/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything tlsmon counts about itself, gathered in one place for the
 * outputs that report it (summary, Prometheus textfile, dashboard header).
 * outputs.c fills it from the datapath (kernel or userspace), the event pipe,
 * the reassembler, the collector and the capture reader; outputs only read.
 */
#ifndef TLSMON_RUN_STATS_H
#define TLSMON_RUN_STATS_H

#include <stdint.h>
#include "model/collector.h"
#include "model/pktbuf.h"
#include "model/verify.h"
#include "pipe/quic_track.h"
#include "pipe/reasm.h"
#include "tlsmon_counters.h"
#include "tlsmon_sockid.h"

struct run_stats {
	int live;			/* 1: attached to interfaces; 0: reading a capture */
	const char *source;		/* "eth0,eth1" live; the capture's path offline */
	uint64_t start_wall_ns;		/* wall clock when tlsmon started (live) or the
					 * capture's first frame (offline) */
	uint64_t now_wall_ns;		/* wall clock now (live) or of the last frame read */

	/* datapath: the kernel's per-CPU counters summed, or the userspace datapath's */
	uint64_t dp[TLSMON_C_MAX];
	uint32_t flows_live;		/* entries in the flow map */
	uint64_t flows_evicted;		/* pushed out of the full flow map (LRU) */
	uint64_t flows_sweep_errors;	/* flow map walks the kernel refused */

	/* event pipe */
	uint64_t events;		/* accepted from the datapath */
	uint64_t events_malformed;	/* refused by the event check */
	uint64_t reasm_client_hellos;	/* ClientHellos rebuilt by reassembly */
	uint64_t ch_parse_errors;	/* ClientHellos shipped by the datapath that did not parse */

	struct reasm_stats reasm;
	struct quic_track_stats quic;	/* QUIC datagrams into hellos: what was dropped */
	struct collector_stats col;

	/* outputs: lines dropped because they could not be written whole */
	uint64_t json_write_failures;	/* --json, standard output */
	uint64_t log_write_failures;	/* --log FILE */
	uint64_t text_write_failures;	/* the readable lines, standard output */

	/* which local program (live): the socket hooks' counters and the lookups */
	int proc_tried;			/* asked for (not --no-process, not offline) */
	int proc_hooks;			/* attached */
	uint64_t proc[SOCKID_C_MAX];
	uint64_t proc_sockets;		/* entries in the sockets map */
	uint64_t proc_evicted;		/* pushed out of the full map */
	uint64_t proc_seeded;		/* listeners older than tlsmon named from /proc */
	uint64_t proc_seed_unreadable;	/* processes whose descriptors /proc did not show */
	uint64_t proc_seed_skipped;	/* listeners left unnamed: ambiguous, bounds, errors */
	uint64_t proc_found;		/* records given their local program */
	uint64_t proc_missing;		/* no socket of this host known for the 4-tuple */
	uint64_t proc_stale;		/* only another connection's socket on that 4-tuple */
	uint64_t proc_errors;		/* lookups the kernel refused */

	/* --verify */
	int verify_on;
	struct verify_stats verify;

	/* --pcap-dir */
	int pcap_on;
	struct out_pcap_stats pcap;

	/* offline only */
	uint64_t frames, frames_truncated, frames_unsupported, frames_oversize;
};

#endif
