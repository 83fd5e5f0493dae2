/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What main.c shares with the files that run tlsmon: the settings from the
 * command line, the signals' flags, and the sources and outputs of this run
 * (live.c and offline.c open the sources, outputs.c the outputs).
 */
#ifndef TLSMON_MAIN_H
#define TLSMON_MAIN_H

#include <signal.h>
#include <stdint.h>
#include "lib/sandbox.h"
#include "local.h"
#include "model/agg.h"
#include "model/run_stats.h"
#include "source/bpf_dp.h"
#include "source/bpf_hook.h"
#include "tlsmon_dp_types.h"

/* Exit codes, documented in --help and tlsmon(8). */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* could not start, or failed while running */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_IFACE_GONE = 3,	/* a watched interface went away: restart to attach again */
};

struct env {
	const char *ifaces;
	const char *read_path;
	enum xdp_mode xdp_mode;
	int tc_ingress;
	int events;
	int json;
	int all;
	int dashboard;			/* -1: on a terminal, without --json/--events */
	const char *log_path;
	int json_format;		/* enum json_format: --json and --log alike */
	const char *ca_file;		/* extra trust anchors for the chain check */
	int verbose;
	double handshake_timeout;
	uint32_t summary_interval;
	uint32_t max_flows;
	uint32_t max_conns;
	uint32_t ringbuf_mb;
	const char *textfile_dir;	/* NULL: the default live, none offline */
	uint32_t textfile_interval;
	int no_textfile;
	int no_process_labels;		/* textfile: no process label */
	const char *user;		/* --user; NULL: the default (privs_resolve) */
	int no_drop;
	enum sandbox_mode seccomp;	/* TLSMON_SECCOMP, --no-seccomp */
	int verify;			/* --verify: probe servers that refuse a hello */
	uint32_t verify_interval;	/* seconds per server:port */
	uint32_t verify_timeout;	/* seconds per probe */
	uint32_t verify_probes;		/* per verification */
	int no_process;			/* --no-process: no socket hooks, no local program */
	struct local_filter filter;	/* --pid, --cgroup, --unit */
	const char *what_if;		/* --what-if POLICY */
	uint32_t what_if_interval;	/* live: seconds between reports; 0 none */
	struct agg_opts agg;
	struct tlsmon_dp_cfg cfg;	/* --pcap-snap, --pcap-packets: cfg.pkt_* */
	const char *pcap_dir;		/* --pcap-dir: a pcapng file per failure */
	uint32_t pcap_max_files;
	uint64_t pcap_max_bytes;
};

extern struct env env;
/* Set by the signal handler: stop (SIGINT, SIGTERM), reopen --log (SIGHUP),
 * a --what-if report now (SIGUSR1). */
extern volatile sig_atomic_t exiting, reopen, what_if_now;

/* The sources and outputs of this run. */
struct run {
	struct collector *col;
	struct out_json *json, *log;
	struct out_text *text;
	struct agg *agg;
	struct out_prom *prom;
	struct dash_model *dash;
	struct dashboard *view;
	struct verify *verify;		/* --verify */
	struct whatif_policy *policy;	/* --what-if */
	struct out_pcap *pcap;		/* --pcap-dir */
	struct pktbuf *pkts;		/* --pcap-dir: the frames of open connections */
	struct offers *offers;		/* --what-if: the distinct client offers */
	uint64_t dash_tick_ns;
	int dash_failed;
	struct evpipe *pipe;
	struct bpf_dp *dp;		/* live */
	struct dp_user *du;		/* offline */
	struct pcap_src *ps;		/* offline */
	struct bpf_dp_flow_stats flows;	/* live: from the last sweep */
	char source[256];
	uint64_t start_wall_ns, now_wall_ns;
};

extern struct run run;

/*
 * Once the sources are open: whatever reads the wire or a capture from here
 * on does it with no capability and, live as root, as another user.
 */
int main_drop_privileges(void);
/*
 * Once privileges are dropped and every output is open (the dashboard too):
 * from here on only the system calls of lib/sandbox.c.  0, or -1 when the
 * filter could not be loaded (said).
 */
int main_enter_sandbox(void);
/* The user tlsmon runs as once they are dropped. */
const char *main_run_user(void);
/* Whether main_drop_privileges() will turn root into another user. */
int main_leaves_root(void);

/* live.c, offline.c: read the source until it ends or a signal; an exit code. */
int live_run(struct evpipe *pipe);
int offline_run(struct evpipe *pipe);

/* outputs.c: the outputs the settings ask for, wired to the collector. */
/* --what-if POLICY, read by libssl now (before privileges go): 0 or -1 (said). */
int outputs_what_if(const char *policy);
int outputs_open(void);
void outputs_close(void);
/* Open what the first tick would (the dashboard's terminal), before the sandbox. */
void outputs_start(void);
/* The --events printer: an ev_sink. */
int outputs_print_event(void *ctx, const void *ev, size_t size);
/*
 * Outputs that report on a clock.  Live: about every 100 ms; offline: as the
 * capture's clock moves, and once more at the end (final = 1).  now_ns is the
 * wall clock (live) or the capture's time (offline).
 */
void outputs_tick(uint64_t now_ns, int final);

#endif
