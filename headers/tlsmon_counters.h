/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's per-CPU counters (a BPF_MAP_TYPE_PERCPU_ARRAY indexed by
 * enum tlsmon_counter, or the userspace datapath's array), exported as
 * Prometheus self-metrics and shown by the dashboard.
 */
#ifndef TLSMON_COUNTERS_H
#define TLSMON_COUNTERS_H

enum tlsmon_counter {
	/* past the pre-filter (dp_prefilter): plain non-TCP, bare ACKs and payload
	 * of untracked flows that starts no hello end before any counter */
	TLSMON_C_PACKETS,	/* packets parsed in full */
	TLSMON_C_TCP_PAYLOAD,	/* of them, TCP segments carrying payload */
	TLSMON_C_TLS_RECORDS,	/* TLS record headers parsed */
	TLSMON_C_EVENTS,	/* events submitted */
	TLSMON_C_RB_FAIL,	/* ring buffer full: event lost */
	TLSMON_C_PARSE_ERRORS,
	TLSMON_C_FLOWS_CREATED,
	TLSMON_C_FLOWS_DELETED,
	TLSMON_C_FLOW_CREATE_FAIL,
	TLSMON_C_FRAGMENTS,	/* IP fragments skipped */
	TLSMON_C_MALFORMED,	/* L2-L4 headers cut or inconsistent */
	TLSMON_C_FLOW_LOOKUPS,
	TLSMON_C_HINT_STALE,	/* hint said tracked, lookup missed */
	TLSMON_C_BLOB_BYTES,
	TLSMON_C_BLOB_BUDGET,	/* reassembly bytes refused by the per-flow budget */
	TLSMON_C_RECORD_LIMIT,	/* more records in a segment than the walk bound */
	TLSMON_C_OUT_OF_ORDER,	/* segment after a gap: boundary not yet seen */
	TLSMON_C_SYNACKS,
	TLSMON_C_PORT_FILTERED,
	TLSMON_C_CLIENT_HELLOS,	/* ClientHello events sent, lost ones included */
	TLSMON_C_CH_LOST,	/* of them, lost: ring buffer full */
	TLSMON_C_RESYNC,	/* record boundary found again after a gap */
	TLSMON_C_HOLE_FILLED,	/* records walked in a retransmission that filled a gap */
	TLSMON_C_LOAD_FAIL,	/* hellos the frame would not give up: event lost */
	TLSMON_C_FLOW_EVICTED,	/* flows whose slot a new flow took (their set was full) */
	TLSMON_C_QUIC_SHIPPED,	/* QUIC long-header datagrams sent to userspace */
	TLSMON_C_QUIC_CAPPED,	/* past TLSMON_QUIC_PER_CONN of a connection: not sent */
	TLSMON_C_QUIC_EVICTED,	/* a connection's cap slot taken by another one */
	TLSMON_C_QUIC_TRUNC,	/* datagrams longer than TLSMON_QUIC_MAX, sent cut */
	TLSMON_C_PKT_SHIPPED,	/* --pcap-dir: frames of tracked flows sent (dp_pkt.h) */
	TLSMON_C_PKT_CUT,	/* past a flow's packet budget: not sent */
	TLSMON_C_MAX
};

#endif /* TLSMON_COUNTERS_H */
