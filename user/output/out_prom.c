// SPDX-License-Identifier: BSD-3-Clause
/* The Prometheus textfile (text exposition format 0.0.4) for node_exporter. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/esc.h"
#include "lib/log.h"
#include "output/out_pcap.h"
#include "output/out_prom.h"
#include "output/out_verify.h"

static const struct {
	const char *name;
	const char *help;
} fam_metric[AGG_FAMILY_MAX] = {
	[AGG_HANDSHAKES] = { "tlsmon_handshakes_total",
			     "Settled TLS handshakes by outcome, negotiated version "
			     "(empty without a ServerHello) and transport (tcp, quic)." },
	[AGG_FAILURES] = { "tlsmon_handshake_failures_total",
			   "Failed handshakes by reason, server IP, SNI (empty: none sent), how "
			   "sure the reason is (confirmed, likely) and transport (tcp, quic)." },
	[AGG_ALERTS] = { "tlsmon_alerts_total",
			 "TLS alerts seen in handshakes by sender, level, description "
			 "(TLS 1.3: level unknown, description encrypted) and transport (quic: "
			 "a CONNECTION_CLOSE carrying a TLS alert)." },
	[AGG_NEGOTIATED] = { "tlsmon_negotiated_total",
			     "Handshakes with a ServerHello by the version and cipher suite "
			     "the server chose, and transport (tcp, quic)." },
	[AGG_SERVERS] = { "tlsmon_server_handshakes_total",
			  "Handshakes by server IP, server port (TCP or UDP, as transport says), "
			  "outcome and transport (tcp, quic)." },
	[AGG_SNI] = { "tlsmon_sni_handshakes_total",
		      "Handshakes by SNI, outcome and transport (tcp, quic)." },
	[AGG_CLIENTS] = { "tlsmon_client_handshakes_total",
			  "Handshakes by client IP, outcome and transport (tcp, quic)." },
	[AGG_JA4] = { "tlsmon_ja4_handshakes_total",
		      "Handshakes by the client's JA4 fingerprint (empty: none), outcome and "
		      "transport (tcp, quic)." },
	[AGG_CERT_FINDINGS] = { "tlsmon_cert_findings_total",
				"Handshakes whose server certificate chain, sent in clear (TLS 1.2 "
				"and below), had this finding, by server IP and SNI." },
	[AGG_CLIENT_CERT_FINDINGS] = { "tlsmon_client_cert_findings_total",
				       "Handshakes whose client certificate chain had this finding, "
				       "by the server IP it was presented to." },
	[AGG_CERT_EXPIRY] = { "tlsmon_server_cert_expiry_timestamp_seconds",
			      "When the leaf certificate a server presented for an SNI expires "
			      "(notAfter, seconds since the epoch; the latest seen)." },
	[AGG_SERVER_JA4] = { "tlsmon_server_ja4_handshakes_total",
			     "Handshakes by server IP, client JA4 fingerprint, outcome and "
			     "transport (tcp, quic)." },
	[AGG_PROCESSES] = { "tlsmon_process_handshakes_total",
			    "Handshakes of a program of this host by its pod (namespace/name), "
			    "container (runtime:id), systemd unit or command, outcome and transport "
			    "(tcp, quic)." },
	[AGG_PROCESS_FAILURES] = { "tlsmon_process_failures_total",
				   "Failed handshakes of a program of this host by process, reason, "
				   "server IP and transport (tcp, quic)." },
};

static const char *const hist_name[AGG_H_MAX][2] = {
	[AGG_H_DURATION] = { "tlsmon_handshake_duration_seconds",
			     "Time from the ClientHello until the handshake settled "
			     "(established, failed or timed out), by transport (tcp, quic) and "
			     "outcome." },
	[AGG_H_SERVER_HELLO] = { "tlsmon_server_hello_latency_seconds",
				 "Time from the ClientHello to the ServerHello, by transport (tcp, "
				 "quic) and outcome." },
};

/* Self-metrics read straight from struct run_stats. */
struct self_metric {
	const char *name;
	const char *help;
	uint8_t gauge;
	uint8_t offline_only;	/* 1: offline only; LIVE_ONLY */
	uint16_t width;		/* 4 or 8 bytes */
	size_t off;
};

#define RS(f) sizeof(((struct run_stats *)0)->f), offsetof(struct run_stats, f)
#define DP(c) 8, offsetof(struct run_stats, dp) + (c) * sizeof(uint64_t)
#define LIVE_ONLY 2
#define C(n, h, f) { n, h, 0, 0, f }
#define LC(n, h, f) { n, h, 0, LIVE_ONLY, f }
#define G(n, h, f) { n, h, 1, 0, f }

static const struct self_metric self[] = {
	C("tlsmon_datapath_packets_total",
	  "Packets the datapath parsed in full (the pre-filter lets plain non-TCP, bare ACKs "
	  "and payload of untracked flows that starts no hello go uncounted).",
	  DP(TLSMON_C_PACKETS)),
	C("tlsmon_datapath_tcp_payload_segments_total",
	  "TCP segments with payload the datapath parsed in full.",
	  DP(TLSMON_C_TCP_PAYLOAD)),
	C("tlsmon_datapath_tls_records_total", "TLS record headers parsed by the datapath.",
	  DP(TLSMON_C_TLS_RECORDS)),
	C("tlsmon_datapath_events_total", "Events the datapath submitted.",
	  DP(TLSMON_C_EVENTS)),
	C("tlsmon_ringbuf_drops_total", "Events lost because the ring buffer was full.",
	  DP(TLSMON_C_RB_FAIL)),
	C("tlsmon_parse_errors_total",
	  "TLS records and hellos that could not be parsed (the datapath frames records, the "
	  "collector parses hellos).",
	  DP(TLSMON_C_PARSE_ERRORS)),
	C("tlsmon_datapath_flows_created_total", "Flows the datapath started tracking.",
	  DP(TLSMON_C_FLOWS_CREATED)),
	C("tlsmon_datapath_flows_deleted_total", "Flows the datapath stopped tracking.",
	  DP(TLSMON_C_FLOWS_DELETED)),
	C("tlsmon_datapath_flow_create_failures_total",
	  "ClientHellos whose flow could not be added to the flow table.",
	  DP(TLSMON_C_FLOW_CREATE_FAIL)),
	C("tlsmon_datapath_ip_fragments_total", "IP fragments skipped.", DP(TLSMON_C_FRAGMENTS)),
	C("tlsmon_datapath_malformed_packets_total",
	  "Packets with cut or inconsistent L2-L4 headers.", DP(TLSMON_C_MALFORMED)),
	C("tlsmon_datapath_flow_lookups_total", "Flow table lookups.", DP(TLSMON_C_FLOW_LOOKUPS)),
	C("tlsmon_datapath_hint_stale_total", "Flow hints that missed in the flow table.",
	  DP(TLSMON_C_HINT_STALE)),
	C("tlsmon_datapath_reassembly_shipped_bytes_total",
	  "Bytes sent to userspace for reassembly.", DP(TLSMON_C_BLOB_BYTES)),
	C("tlsmon_datapath_reassembly_budget_hits_total",
	  "Times a flow's reassembly byte budget cut what was sent.", DP(TLSMON_C_BLOB_BUDGET)),
	C("tlsmon_datapath_record_limit_total",
	  "Segments with more TLS records than the datapath walks.", DP(TLSMON_C_RECORD_LIMIT)),
	C("tlsmon_datapath_out_of_order_total",
	  "Segments after a gap, before the next record boundary was known.",
	  DP(TLSMON_C_OUT_OF_ORDER)),
	C("tlsmon_datapath_resyncs_total",
	  "Record boundaries found again at a segment after a gap.", DP(TLSMON_C_RESYNC)),
	C("tlsmon_datapath_gap_records_total",
	  "Records walked in a retransmission that filled a gap.", DP(TLSMON_C_HOLE_FILLED)),
	C("tlsmon_datapath_load_failures_total",
	  "Hellos lost because their bytes could not be read from the frame.",
	  DP(TLSMON_C_LOAD_FAIL)),
	C("tlsmon_datapath_synacks_total", "SYN-ACKs remembered.", DP(TLSMON_C_SYNACKS)),
	C("tlsmon_datapath_port_filtered_total", "Segments skipped by --ports.",
	  DP(TLSMON_C_PORT_FILTERED)),
	C("tlsmon_datapath_quic_datagrams_total",
	  "QUIC long-header datagrams (Initial, Retry, Version Negotiation) sent to userspace.",
	  DP(TLSMON_C_QUIC_SHIPPED)),
	C("tlsmon_datapath_quic_capped_total",
	  "QUIC datagrams not sent: their connection had sent its share.", DP(TLSMON_C_QUIC_CAPPED)),
	C("tlsmon_datapath_quic_cap_evictions_total",
	  "QUIC connections whose cap slot another connection took.", DP(TLSMON_C_QUIC_EVICTED)),
	C("tlsmon_datapath_quic_truncated_total",
	  "QUIC datagrams longer than an event holds, sent cut.", DP(TLSMON_C_QUIC_TRUNC)),
	G("tlsmon_flows", "Flows in the datapath's flow table.", RS(flows_live)),
	C("tlsmon_flow_evictions_total",
	  "Flows whose slot a new flow took: their set of the flow table was full.", RS(flows_evicted)),
	C("tlsmon_flow_sweep_errors_total",
	  "Walks of the flow table for idle flows that failed.", RS(flows_sweep_errors)),
	C("tlsmon_events_total", "Events accepted from the datapath.", RS(events)),
	C("tlsmon_events_malformed_total", "Events refused by the event check.",
	  RS(events_malformed)),
	C("tlsmon_reassembly_records_total", "TLS records rebuilt by userspace reassembly.",
	  RS(reasm.records)),
	C("tlsmon_reassembly_messages_total", "Handshake messages parsed from rebuilt records.",
	  RS(reasm.messages)),
	C("tlsmon_reassembly_incomplete_total", "Reassembly streams that ended with bytes missing.",
	  RS(reasm.incomplete)),
	C("tlsmon_reassembly_evictions_total", "Reassembly streams dropped by the caps.",
	  RS(reasm.evicted)),
	C("tlsmon_reassembly_expired_total",
	  "Reassembly streams dropped after --handshake-timeout without new bytes (or at the end).",
	  RS(reasm.expired)),
	C("tlsmon_reassembly_dropped_bytes_total",
	  "Bytes outside a reassembly stream's window or cap.", RS(reasm.dropped_bytes)),
	G("tlsmon_reassembly_streams", "Reassembly streams open.", RS(reasm.streams)),
	G("tlsmon_reassembly_buffered_bytes", "Bytes buffered for reassembly.", RS(reasm.bytes)),
	C("tlsmon_collector_events_total", "Events the collector processed.", RS(col.events)),
	C("tlsmon_connection_evictions_total",
	  "Handshakes given up because --max-conns were open or their memory budget was spent.",
	  RS(col.evicted)),
	C("tlsmon_connection_memory_evictions_total",
	  "Of those, handshakes given up because the open ones' memory budget was spent.",
	  RS(col.evicted_bytes)),
	C("tlsmon_handshake_timeouts_total", "Handshakes settled by --handshake-timeout.",
	  RS(col.timed_out)),
	C("tlsmon_client_hello_incomplete_total",
	  "Handshakes settled with a ClientHello that never came whole.", RS(col.hello_incomplete)),
	C("tlsmon_orphan_events_total",
	  "Events for a connection whose start was missed (dropped, not made into a handshake).",
	  RS(col.orphan_events)),
	G("tlsmon_connections_open", "Handshakes being followed.", RS(col.open)),
	G("tlsmon_connections_bytes", "Heap the handshakes being followed hold (hellos kept).",
	  RS(col.bytes)),
	G("tlsmon_connections_bytes_budget",
	  "What they may hold: --max-conns times 1 KiB; the least recent go past it.",
	  RS(col.max_bytes)),
	G("tlsmon_verify_waiting",
	  "Failures waiting for their verification before they are written (--verify).",
	  RS(col.held_open)),
	/*
	 * The ClientHello accounting, exact at any time (README, "Nothing lost"):
	 *   datapath_client_hellos - datapath_client_hellos_lost
	 *     - client_hello_parse_errors + reassembly_client_hellos = client_hellos
	 *   client_hellos = settled + repeated + evicted + open
	 */
	C("tlsmon_datapath_client_hellos_total",
	  "ClientHellos the datapath sent, lost ones included.",
	  DP(TLSMON_C_CLIENT_HELLOS)),
	C("tlsmon_datapath_client_hellos_lost_total",
	  "ClientHellos the datapath lost to a full ring buffer.", DP(TLSMON_C_CH_LOST)),
	C("tlsmon_client_hello_parse_errors_total",
	  "ClientHellos the datapath sent that the collector could not parse.",
	  RS(ch_parse_errors)),
	C("tlsmon_quic_initials_total", "QUIC Initial packets decrypted.", RS(quic.q.initial)),
	C("tlsmon_quic_undecryptable_total",
	  "QUIC Initial packets whose header protection or AEAD failed.", RS(quic.q.undecryptable)),
	C("tlsmon_quic_unknown_version_total",
	  "QUIC long-header packets of a version without known Initial keys.",
	  RS(quic.q.unknown_version)),
	C("tlsmon_quic_malformed_total",
	  "QUIC long headers cut short or inconsistent.",
	  RS(quic.q.bad_header)),
	C("tlsmon_quic_bad_frames_total", "QUIC Initial payloads with a frame cut short or not "
	  "allowed in an Initial.", RS(quic.q.bad_frames)),
	C("tlsmon_quic_crypto_capped_bytes_total",
	  "QUIC CRYPTO bytes past what is kept per direction, dropped.", RS(quic.q.crypto_capped)),
	C("tlsmon_quic_connections_total", "QUIC connections followed.", RS(quic.conns)),
	C("tlsmon_quic_datagrams_total", "QUIC datagrams the collector read.", RS(quic.q.datagrams)),
	C("tlsmon_quic_crypto_conflict_bytes_total",
	  "QUIC CRYPTO bytes resent with other contents than first seen (the first kept).",
	  RS(quic.q.crypto_conflict)),
	C("tlsmon_quic_skipped_total", "QUIC 0-RTT and Handshake packets: keys only the peers "
	  "hold, not opened.", RS(quic.q.skipped)),
	C("tlsmon_quic_version_negotiations_total", "QUIC Version Negotiation packets seen.",
	  RS(quic.q.vn)),
	C("tlsmon_quic_retries_total",
	  "QUIC Retry packets seen (address validation: not a failure).", RS(quic.q.retry)),
	C("tlsmon_quic_connection_evictions_total",
	  "QUIC connections dropped to make room for new ones.", RS(quic.evicted)),
	C("tlsmon_quic_connection_memory_evictions_total",
	  "Of those, QUIC connections dropped because their memory budget was spent.",
	  RS(quic.evicted_bytes)),
	G("tlsmon_quic_connections_bytes",
	  "Heap the QUIC connections being followed hold (CRYPTO buffers until the hellos).",
	  RS(quic.bytes)),
	G("tlsmon_quic_connections_bytes_budget",
	  "What they may hold; the least recent go past it.", RS(quic.max_bytes)),
	C("tlsmon_quic_no_client_total",
	  "QUIC datagrams of connections whose client Initial was not seen.", RS(quic.no_role)),
	C("tlsmon_reassembly_client_hellos_total",
	  "ClientHellos rebuilt from records over several segments.", RS(reasm_client_hellos)),
	C("tlsmon_client_hellos_total", "ClientHellos the collector received.",
	  RS(col.client_hellos)),
	C("tlsmon_client_hellos_settled_total",
	  "ClientHellos whose handshake was reported (timeouts included).",
	  RS(col.hellos_settled)),
	C("tlsmon_client_hellos_repeated_total",
	  "Later ClientHellos of a handshake (after a HelloRetryRequest, or retransmitted).",
	  RS(col.hellos_repeated)),
	C("tlsmon_client_hellos_evicted_total",
	  "ClientHellos whose handshake was given up because --max-conns were open.",
	  RS(col.hellos_evicted)),
	G("tlsmon_client_hellos_open", "ClientHellos whose handshake is still followed.",
	  RS(col.hellos_open)),
	G("tlsmon_server_profiles", "Servers with a profile of accepted versions and ciphers.",
	  RS(col.servers)),
	C("tlsmon_json_write_failures_total",
	  "JSON records (--json, standard output) dropped because they could not be written "
	  "whole.", RS(json_write_failures)),
	C("tlsmon_log_write_failures_total",
	  "JSON records dropped because they could not be written whole to the --log file.",
	  RS(log_write_failures)),
	C("tlsmon_text_write_failures_total",
	  "Readable lines (standard output) dropped because they could not be written whole.",
	  RS(text_write_failures)),
	/* which local program: the socket hooks (live) */
	{ "tlsmon_process_hooks_attached",
	  "1 when the socket hooks that name local programs are attached; 0 when the kernel "
	  "refused them or --no-process.", 1, LIVE_ONLY, RS(proc_hooks) },
	LC("tlsmon_process_connects_total",
	   "Client sockets of this host whose program was recorded at connect().",
	   RS(proc[SOCKID_C_CONNECTS])),
	LC("tlsmon_process_accepts_total",
	   "Server sockets of this host whose program was recorded at accept() (the tracepoint "
	   "set: listening sockets, at listen()).",
	   RS(proc[SOCKID_C_ACCEPTS])),
	LC("tlsmon_process_record_failures_total",
	   "Sockets whose program could not be recorded (the map refused the entry).",
	   RS(proc[SOCKID_C_UPDATE_FAIL])),
	LC("tlsmon_process_exe_truncated_total",
	   "Recorded sockets whose executable path was cut (too deep or too long: its tail kept).",
	   RS(proc[SOCKID_C_EXE_CUT])),
	LC("tlsmon_process_no_exe_total",
	   "Recorded sockets of a process without an executable (a kernel thread).",
	   RS(proc[SOCKID_C_NO_EXE])),
	LC("tlsmon_process_cgroup_truncated_total",
	   "Recorded sockets whose cgroup path was cut (too deep or too long: its tail kept).",
	   RS(proc[SOCKID_C_CGROUP_CUT])),
	LC("tlsmon_process_closes_total", "Recorded sockets seen closing.",
	   RS(proc[SOCKID_C_CLOSES])),
	LC("tlsmon_process_connects_unkept_total",
	   "Client sockets that connected with no identity kept for them (the tracepoint set "
	   "holds connect()'s until the source port: 4096 at once, least recent pushed out; "
	   "or the connect() came before tlsmon started).",
	   RS(proc[SOCKID_C_PENDING_MISS])),
	{ "tlsmon_process_sockets", "Sockets remembered for naming local programs (counted at "
	  "most every 5 s).", 1, LIVE_ONLY, RS(proc_sockets) },
	LC("tlsmon_process_evictions_total",
	   "Remembered sockets pushed out of the full map (16384, least recently used first): "
	   "their handshakes, if they settle later, have no local program.",
	   RS(proc_evicted)),
	LC("tlsmon_process_listeners_seeded_total",
	   "Listening sockets older than tlsmon named from /proc at start.", RS(proc_seeded)),
	LC("tlsmon_process_seed_unreadable_total",
	   "Processes whose descriptors could not be read at start (no CAP_SYS_PTRACE, or gone): "
	   "their older listening sockets are named at their next listen() only.",
	   RS(proc_seed_unreadable)),
	LC("tlsmon_process_seed_skipped_total",
	   "Listening sockets older than tlsmon left unnamed at start: one address and port in "
	   "several namespaces, past a bound, unreadable table lines, refused by the map.",
	   RS(proc_seed_skipped)),
	LC("tlsmon_process_identified_total", "Handshakes given their local program.",
	   RS(proc_found)),
	LC("tlsmon_process_unknown_total",
	   "Handshakes with no socket of this host recorded for their 4-tuple (remote ends, "
	   "connections made before tlsmon started, or pushed out of the full map).",
	   RS(proc_missing)),
	LC("tlsmon_process_stale_total",
	   "Handshakes whose 4-tuple's recorded socket was another connection's (reused "
	   "4-tuple): reported without a program rather than a wrong one.", RS(proc_stale)),
	LC("tlsmon_process_lookup_errors_total", "Lookups of the socket map the kernel refused.",
	   RS(proc_errors)),
	LC("tlsmon_handshakes_filtered_total",
	   "Handshakes left out by --pid, --cgroup or --unit.", RS(col.filtered)),
	{ "tlsmon_capture_frames_total", "Frames read from the capture.", 0, 1, RS(frames) },
	{ "tlsmon_capture_frames_truncated_total", "Frames cut by the capture's snap length.", 0,
	  1, RS(frames_truncated) },
	{ "tlsmon_capture_frames_unsupported_total",
	  "Frames skipped: link type or protocol not handled.", 0, 1, RS(frames_unsupported) },
	{ "tlsmon_capture_frames_oversize_total", "Frames skipped: larger than handled.", 0, 1,
	  RS(frames_oversize) },
};

#define N_SELF (sizeof(self) / sizeof(self[0]))

struct out_prom {
	const struct agg *agg;
	char *dir;
	char *path;
	uint64_t failures;
	int last_err;		/* of the last write; warned once per change */
	int no_process;		/* --no-process-labels */
	uint64_t last[N_SELF];	/* counters never go down, even if a source does */
};

struct out_prom *out_prom_new(const char *dir, const struct agg *a)
{
	struct out_prom *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->agg = a;
	o->dir = strdup(dir);
	if (o->dir && asprintf(&o->path, "%s/%s", dir, OUT_PROM_FILE) < 0)
		o->path = NULL;
	if (!o->dir || !o->path) {
		out_prom_free(o);
		return NULL;
	}
	return o;
}

void out_prom_free(struct out_prom *o)
{
	if (!o)
		return;
	free(o->dir);
	free(o->path);
	free(o);
}

uint64_t out_prom_failures(const struct out_prom *o)
{
	return o->failures;
}

const char *out_prom_path(const struct out_prom *o)
{
	return o->path;
}

void out_prom_process_labels(struct out_prom *o, int on)
{
	o->no_process = !on;
}

char *out_prom_label_value(char *dst, size_t len, const struct agg_value *v)
{
	size_t n;

	if (!len)
		return dst;
	if (v->flags & AGG_V_OTHER) {
		snprintf(dst, len, "other");
		return dst;
	}
	if (v->len == 5 && !memcmp(v->p, "other", 5) && !(v->flags & AGG_V_TRUNC)) {
		/* the file shows \\x6f: the value holds \x6f, as for any escaped byte */
		snprintf(dst, len, "\\\\x6fther");
		return dst;
	}
	esc_prom(dst, len, v->p, v->len);
	n = strlen(dst);
	if (v->flags & AGG_V_TRUNC)
		snprintf(dst + n, len - n, "\\\\...");
	return dst;
}

static void help_type(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct fam_ctx {
	FILE *f;
	const char *name;
	const struct agg_family_info *fi;
};

static int fam_line(void *ctx, const struct agg_series *s)
{
	struct fam_ctx *c = ctx;
	char v[PROM_VALUE_MAX];
	unsigned i;

	fputs(c->name, c->f);
	for (i = 0; i < c->fi->n_labels; i++)
		fprintf(c->f, "%c%s=\"%s\"", i ? ',' : '{', c->fi->labels[i],
			out_prom_label_value(v, sizeof(v), &s->v[i]));
	fprintf(c->f, "} %llu\n", (unsigned long long)s->count);
	return 0;
}

/* --no-process-labels leaves out the families with a process label. */
static int shown(const struct out_prom *o, int fam)
{
	return !o->no_process || (fam != AGG_PROCESSES && fam != AGG_PROCESS_FAILURES);
}

static void families(struct out_prom *o, FILE *f)
{
	struct fam_ctx c = { .f = f };
	int fam;

	for (fam = 0; fam < AGG_FAMILY_MAX; fam++) {
		if (!shown(o, fam))
			continue;
		c.name = fam_metric[fam].name;
		c.fi = agg_family(fam);
		help_type(f, c.name, c.fi->gauge ? "gauge" : "counter", fam_metric[fam].help);
		agg_foreach(o->agg, fam, fam_line, &c);
	}
	if (o->no_process)
		return;
	help_type(f, "tlsmon_handshakes_without_process_total", "counter",
		  "Handshakes with no program of this host known at either end (both ends "
		  "remote, or the socket's start was not seen): in no process series.");
	fprintf(f, "tlsmon_handshakes_without_process_total %llu\n",
		(unsigned long long)agg_no_process(o->agg));
}

static void series_stats(struct out_prom *o, FILE *f)
{
	int fam;

	help_type(f, "tlsmon_series", "gauge", "Series in each aggregate family.");
	for (fam = 0; fam < AGG_FAMILY_MAX; fam++)
		if (shown(o, fam))
			fprintf(f, "tlsmon_series{family=\"%s\"} %u\n", agg_family(fam)->name,
				agg_series_count(o->agg, fam));
	help_type(f, "tlsmon_series_limit", "gauge",
		  "Most series a family may hold (--max-series); past it values fold into other.");
	for (fam = 0; fam < AGG_FAMILY_MAX; fam++)
		if (shown(o, fam))
			fprintf(f, "tlsmon_series_limit{family=\"%s\"} %u\n",
				agg_family(fam)->name, agg_max_series(o->agg, fam));
	help_type(f, "tlsmon_series_folded_total", "counter",
		  "Handshakes (alerts for the alerts family) counted in an other series "
		  "because the family was full; for the cert_expiry gauge, values left out.");
	for (fam = 0; fam < AGG_FAMILY_MAX; fam++)
		if (shown(o, fam))
			fprintf(f, "tlsmon_series_folded_total{family=\"%s\"} %llu\n",
				agg_family(fam)->name, (unsigned long long)agg_folded(o->agg, fam));
}

/* One histogram's lines; lb: its labels but le. */
static void hist_lines(FILE *f, const char *n, const char *lb, const struct agg_hist *h)
{
	uint64_t cum = 0;
	int i;

	for (i = 0; i < AGG_H_BUCKETS; i++) {
		cum += h->bucket[i];
		fprintf(f, "%s_bucket{%s,le=\"%g\"} %llu\n", n, lb, agg_bucket_le[i],
			(unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n", n, lb, (unsigned long long)h->count);
	fprintf(f, "%s_sum{%s} %llu.%09llu\n", n, lb,
		(unsigned long long)(h->sum_ns / 1000000000ull),
		(unsigned long long)(h->sum_ns % 1000000000ull));
	fprintf(f, "%s_count{%s} %llu\n", n, lb, (unsigned long long)h->count);
}

static void histograms(struct out_prom *o, FILE *f)
{
	char lb[64];
	int id, t, oc;

	for (id = 0; id < AGG_H_MAX; id++) {
		help_type(f, hist_name[id][0], "histogram", hist_name[id][1]);
		for (t = 0; t < AGG_TRANSPORT_MAX; t++)
			for (oc = 0; oc < OUTCOME_MAX; oc++) {
				snprintf(lb, sizeof(lb), "transport=\"%s\",outcome=\"%s\"",
					 agg_transport_name(t), outcome_name(oc));
				hist_lines(f, hist_name[id][0], lb, agg_hist(o->agg, id, t, oc));
			}
	}
}

static uint64_t self_value(const struct run_stats *st, const struct self_metric *m)
{
	const char *p = (const char *)st + m->off;
	uint32_t v32;
	uint64_t v64;

	if (m->width == 4) {
		memcpy(&v32, p, 4);
		return v32;
	}
	memcpy(&v64, p, 8);
	return v64;
}

static void self_metrics(struct out_prom *o, FILE *f, const struct run_stats *st)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < N_SELF; i++) {
		const struct self_metric *m = &self[i];

		if ((m->offline_only == 1 && st->live) || (m->offline_only == LIVE_ONLY && !st->live))
			continue;
		v = self_value(st, m);
		if (!m->gauge) {
			if (v < o->last[i])
				v = o->last[i];
			o->last[i] = v;
		}
		help_type(f, m->name, m->gauge ? "gauge" : "counter", m->help);
		fprintf(f, "%s %llu\n", m->name, (unsigned long long)v);
	}
}

int out_prom_print(struct out_prom *o, FILE *f, const struct run_stats *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	help_type(f, "tlsmon_build_info", "gauge", "The running tlsmon's version; always 1.");
	fprintf(f, "tlsmon_build_info{version=\"%s\"} 1\n", TLSMON_VERSION);
	help_type(f, "tlsmon_start_time_seconds", "gauge",
		  "When tlsmon started (offline: the capture's first frame), seconds since the epoch.");
	fprintf(f, "tlsmon_start_time_seconds %llu.%03llu\n",
		(unsigned long long)(st->start_wall_ns / 1000000000ull),
		(unsigned long long)(st->start_wall_ns % 1000000000ull / 1000000));
	help_type(f, "tlsmon_textfile_write_timestamp_seconds", "gauge",
		  "When this file was written, seconds since the epoch.");
	fprintf(f, "tlsmon_textfile_write_timestamp_seconds %lld.%03ld\n", (long long)now.tv_sec,
		now.tv_nsec / 1000000);
	help_type(f, "tlsmon_textfile_write_failures_total", "counter",
		  "Writes of this file that failed (the previous file stayed).");
	fprintf(f, "tlsmon_textfile_write_failures_total %llu\n", (unsigned long long)o->failures);
	families(o, f);
	series_stats(o, f);
	histograms(o, f);
	self_metrics(o, f, st);
	if (st->verify_on)
		out_verify_prom(f, &st->verify);
	if (st->pcap_on)	/* --pcap-dir */
		out_pcap_prom(f, &st->pcap, st->dp[TLSMON_C_PKT_SHIPPED], st->dp[TLSMON_C_PKT_CUT]);
	return ferror(f) ? -1 : 0;
}

static int write_failed(struct out_prom *o, int err, const char *what)
{
	o->failures++;
	if (err != o->last_err)
		pr_warn("%s: cannot %s: %s; keeps trying at every interval (fix the directory, "
			"or choose another with --textfile-dir or none with --no-textfile)",
			o->path, what, strerror(-err));
	o->last_err = err;
	return err;
}

int out_prom_write(struct out_prom *o, const struct run_stats *st)
{
	char tmp[PATH_MAX];
	int fd, dfd, err = 0;
	FILE *f;

	/* not *.prom: node_exporter must not read it half written */
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", o->dir, OUT_PROM_FILE) >= (int)sizeof(tmp))
		return write_failed(o, -ENAMETOOLONG, "create a temporary file");
	fd = mkstemp(tmp);
	if (fd < 0)
		return write_failed(o, -errno, "create a temporary file");
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return write_failed(o, err, "write");
	}
	/* mkstemp makes it 0600; node_exporter runs as its own user */
	errno = 0;
	if (out_prom_print(o, f, st) || fflush(f) || fchmod(fd, 0644) || fsync(fd))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, o->path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return write_failed(o, err, "write");
	}
	/* the rename itself survives a crash */
	dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (o->last_err)
		pr_info("%s: written again", o->path);
	o->last_err = 0;
	return 0;
}
