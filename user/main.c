// SPDX-License-Identifier: BSD-3-Clause
/* tlsmon: watch TLS handshakes and explain the ones that fail. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "model/agg.h"
#include "source/bpf_dp.h"
#include "model/cert.h"
#include "model/collector.h"
#include "ui/dash_model.h"
#include "ui/dashboard.h"
#include "source/dp_user.h"
#include "output/ev_json.h"
#include "pipe/evpipe.h"
#include "source/ifaces.h"
#include "source/linkwatch.h"
#include "lib/log.h"
#include "output/out_json.h"
#include "output/out_prom.h"
#include "output/out_text.h"
#include "source/pcap_src.h"
#include "lib/privs.h"
#include "model/run_stats.h"

/* Exit codes, documented in --help and tlsmon(8). */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* could not start, or failed while running */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_IFACE_GONE = 3,	/* a watched interface went away: restart to attach again */
};

static struct env {
	const char *ifaces;
	const char *read_path;
	enum xdp_mode xdp_mode;
	int tc_ingress;
	int events;
	int json;
	int all;
	int dashboard;			/* -1: on a terminal, without --json/--events */
	const char *log_path;
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
	const char *user;		/* --user; NULL: the default (privs_resolve) */
	int no_drop;
	struct agg_opts agg;
	struct tlsmon_dp_cfg cfg;
} env = {
	.textfile_interval = 15,
	.dashboard = -1,
	.handshake_timeout = 10,
	.summary_interval = 60,
	.max_flows = 65536,
	.max_conns = 32768,
	.ringbuf_mb = 16,
	.cfg = TLSMON_DP_CFG_DEFAULT,
};

static volatile sig_atomic_t exiting, reopen;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else
		exiting = 1;
}

/* The sources and outputs of this run. */
static struct {
	struct collector *col;
	struct out_json *json, *log;
	struct out_text *text;
	struct agg *agg;
	struct out_prom *prom;
	struct dash_model *dash;
	struct dashboard *view;
	uint64_t dash_tick_ns;
	int dash_failed;
	struct evpipe *pipe;
	struct bpf_dp *dp;		/* live */
	struct dp_user *du;		/* offline */
	struct pcap_src *ps;		/* offline */
	struct bpf_dp_flow_stats flows;	/* live: from the last sweep */
	char source[256];
	uint64_t start_wall_ns, now_wall_ns;
} o;

/* Everything counted so far, for the outputs that report it. */
static void gather_stats(struct run_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->live = !env.read_path;
	st->source = o.source;
	st->start_wall_ns = o.start_wall_ns;
	st->now_wall_ns = o.now_wall_ns;
	if (o.dp) {
		bpf_dp_counters(o.dp, st->dp);
		st->flows_live = o.flows.live;
		st->flows_evicted = o.flows.evicted;
	} else if (o.du) {
		memcpy(st->dp, dp_user_counters(o.du), sizeof(st->dp));
		st->flows_live = dp_user_flow_count(o.du);
		st->flows_evicted = dp_user_flow_evictions(o.du);
	}
	if (o.pipe) {
		st->events = o.pipe->events;
		st->events_malformed = o.pipe->malformed;
		if (o.pipe->reasm)
			reasm_stats(o.pipe->reasm, &st->reasm);
	}
	if (o.col)
		collector_stats(o.col, &st->col);
	if (o.ps) {
		const struct pcap_src_stats *ps = pcap_src_stats(o.ps);

		st->frames = ps->frames;
		st->frames_truncated = ps->truncated;
		st->frames_unsupported = ps->unsupported;
		st->frames_oversize = ps->oversize;
	}
}

/*
 * Outputs that report on a clock.  Live: about every 100 ms; offline: as the
 * capture's clock moves, and once more at the end (final = 1).  now_ns is the
 * wall clock (live) or the capture's time (offline).
 */
static uint64_t next_summary_ns, next_prom_ns;

/* Opened at the first tick, once the source is up: errors before it print plainly. */
static void dashboard_step(int final)
{
	char err[256];

	if (!o.view && !o.dash_failed && (env.read_path || !final)) {
		o.view = dashboard_open(o.dash, err, sizeof(err));
		if (!o.view) {
			pr_err("%s", err);
			o.dash_failed = 1;
			exiting = 1;
			return;
		}
	}
	if (dashboard_tick(o.view, final))
		exiting = 1;
}

static void outputs_tick(uint64_t now_ns, int final)
{
	struct run_stats st;

	o.now_wall_ns = now_ns;
	if (!o.start_wall_ns)
		o.start_wall_ns = now_ns;
	if (o.text && env.summary_interval && !env.read_path && !final) {
		if (!next_summary_ns)
			next_summary_ns = now_ns + env.summary_interval * 1000000000ull;
		if (now_ns >= next_summary_ns) {
			gather_stats(&st);
			out_text_summary(o.text, &st.col);
			next_summary_ns = now_ns + env.summary_interval * 1000000000ull;
		}
	}
	/* the textfile: live every interval, offline once at the end */
	if (o.prom && (final || (!env.read_path && now_ns >= next_prom_ns))) {
		gather_stats(&st);
		out_prom_write(o.prom, &st);
		next_prom_ns = now_ns + env.textfile_interval * 1000000000ull;
	}
	/* the dashboard: its own pace (a few draws a second), keys read without waiting */
	if (o.dash && (final || now_ns - o.dash_tick_ns >= 100000000ull)) {
		o.dash_tick_ns = now_ns;
		gather_stats(&st);
		dash_model_tick(o.dash, &st);
		dashboard_step(final);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tlsmon [OPTIONS]\n"
		"Watch TLS handshakes from inside the kernel and explain the ones that fail.\n"
		"\n"
		"Live (needs root):\n"
		"  -i, --interface IF[,IF...]  interfaces to watch (default: the default route's)\n"
		"      --xdp-mode MODE         native, generic or auto (default: auto, native\n"
		"                              falling back to generic)\n"
		"      --tc-ingress            watch ingress with TC instead of XDP\n"
		"      --max-flows N           handshakes tracked in the kernel at once (65536)\n"
		"      --ringbuf-mb N          ring buffer size in MiB, a power of two (16)\n"
		"Offline:\n"
		"  -r, --read FILE             read a capture (pcap or pcapng; '-' for stdin)\n"
		"Both:\n"
		"      --ports P[,P...]        only these TCP ports (default: any; TLS is found\n"
		"                              by content, STARTTLS included)\n"
		"      --no-decap              do not look inside IP-in-IP, GTP-U, Geneve, VXLAN\n"
		"      --handshake-timeout S   seconds before an unfinished handshake is\n"
		"                              reported (10)\n"
		"      --ca-file FILE          trust anchors (PEM) besides the system's, for\n"
		"                              the incomplete_chain certificate finding\n"
		"Output:\n"
		"  -j, --json                  a JSON line per handshake on standard output\n"
		"      --log FILE              also append them to FILE (reopened on SIGHUP)\n"
		"      --all                   text output: established handshakes too, not\n"
		"                              only failures\n"
		"      --summary-interval S    seconds between text summaries (60; 0: none)\n"
		"      --max-conns N           handshakes followed at once in userspace (32768)\n"
		"      --events                print every datapath event as a JSON line instead\n"
		"                              (debugging)\n"
		"      --dashboard             the live terminal dashboard (the default on a\n"
		"                              terminal that can show it, without --json and\n"
		"                              --events); with --read the capture is\n"
		"                              replayed, then held until q\n"
		"      --no-dashboard          on a terminal too: the lines below\n"
		"Without --json, --events and the dashboard: a readable line per failure and a\n"
		"summary.\n"
		"Prometheus textfile (for node_exporter's textfile collector):\n"
		"      --textfile-dir DIR      write DIR/tlsmon.prom (live default:\n"
		"                              " OUT_PROM_DEFAULT_DIR ";\n"
		"                              offline: only when given, once at the end)\n"
		"      --textfile-interval S   seconds between rewrites (15)\n"
		"      --no-textfile           do not write it\n"
		"      --max-series [FAMILY=]N most series per metric family (500; 8 or more);\n"
		"                              past it new values fold into \"other\".  Families:\n"
		"                              handshakes, failures, alerts, negotiated, servers,\n"
		"                              sni, clients, ja4, server_ja4, cert_findings,\n"
		"                              client_cert_findings, cert_expiry\n"
		"Privileges:\n"
		"      --user NAME             once attached (or the capture open), run as NAME\n"
		"                              with no capability (live default: nobody when\n"
		"                              started as root, else the user tlsmon runs as;\n"
		"                              offline default: the same user; root: stay uid 0,\n"
		"                              drop every capability)\n"
		"      --no-drop               keep every privilege (not for production)\n"
		"  -v, --verbose               more log output (twice: debug, libbpf too)\n"
		"  -V, --version               print the version and exit\n"
		"  -h, --help                  this help\n"
		"Exit status: 0 stopped by SIGINT/SIGTERM (or the capture was read), 1 error,\n"
		"2 bad command line, 3 a watched interface went away (restart to attach again).\n");
}

static int parse_u32(const char *s, const char *what, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		pr_err("%s: expected a number from %u to %u, got '%s'", what, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_ports(const char *s)
{
	char buf[256], *tok, *save = NULL;
	uint32_t v;

	if (strlen(s) >= sizeof(buf)) {
		pr_err("--ports: list too long");
		return -1;
	}
	strcpy(buf, s);
	env.cfg.n_ports = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (env.cfg.n_ports == TLSMON_MAX_PORTS) {
			pr_err("--ports: at most %d ports", TLSMON_MAX_PORTS);
			return -1;
		}
		if (parse_u32(tok, "--ports", 1, 65535, &v))
			return -1;
		env.cfg.ports[env.cfg.n_ports++] = v;
	}
	return 0;
}

/* --max-series N (every family) or FAMILY=N */
static int parse_max_series(const char *s)
{
	const char *eq = strchr(s, '=');
	char name[32];
	uint32_t v;
	int f;

	if (!eq) {
		if (parse_u32(s, "--max-series", AGG_MIN_SERIES, AGG_MAX_MAX_SERIES, &v))
			return -1;
		for (f = 0; f < AGG_FAMILY_MAX; f++)
			env.agg.max_series[f] = v;
		return 0;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - s), s);
	f = agg_family_by_name(name);
	if (f < 0) {
		pr_err("--max-series: no family '%s' (see --help)", name);
		return -1;
	}
	return parse_u32(eq + 1, "--max-series", AGG_MIN_SERIES, AGG_MAX_MAX_SERIES,
			 &env.agg.max_series[f]);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && env.verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && env.verbose < 1)
		return 0;
	log_vmsg(level == LIBBPF_WARN ? LOG_WARN : level == LIBBPF_INFO ? LOG_INFO : LOG_DEBUG,
		 fmt, args);
	return 0;
}

/* ---- outputs ---- */

static struct jbuf out;

static int print_event(void *ctx, const void *ev, size_t size)
{
	(void)ctx;
	jb_reset(&out);
	if (ev_json(&out, ev, size))
		return 0;
	jb_raw(&out, "\n", 1);
	fwrite(out.s, 1, out.len, stdout);
	return 0;
}

static int open_outputs(void)
{
	struct collector_opts co = {
		.max_conns = env.max_conns,
		.max_servers = 16384,
		.handshake_timeout = env.handshake_timeout,
	};
	struct timespec rt, bt;
	struct rec_sink s;
	char err[512];
	const char *base;

	if (env.read_path) {
		base = strrchr(env.read_path, '/');
		co.ifname = base ? base + 1 : env.read_path;
	} else {
		/* the datapath stamps CLOCK_BOOTTIME; records carry the wall clock */
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_BOOTTIME, &bt);
		co.wall_offset_ns = (int64_t)(rt.tv_sec - bt.tv_sec) * 1000000000ll +
				    (rt.tv_nsec - bt.tv_nsec);
	}
	if (cert_init(env.ca_file, 512, err, sizeof(err))) {
		pr_err("%s", err);
		return 1;
	}
	o.col = collector_new(&co);
	if (!o.col) {
		pr_err("out of memory");
		return 1;
	}
	if (env.json) {
		o.json = out_json_open(NULL, err, sizeof(err));
		s = (struct rec_sink){ out_json_write, o.json };
		collector_add_sink(o.col, &s);
	}
	if (env.log_path) {
		o.log = out_json_open(env.log_path, err, sizeof(err));
		if (!o.log) {
			pr_err("%s", err);
			return 1;
		}
		s = (struct rec_sink){ out_json_write, o.log };
		collector_add_sink(o.col, &s);
	}
	if (env.dashboard) {
		o.dash = dash_model_new();
		if (!o.dash) {
			pr_err("out of memory");
			return 1;
		}
		s = (struct rec_sink){ dash_model_record, o.dash };
		collector_add_sink(o.col, &s);
	}
	if (!env.json && !env.dashboard) {
		o.text = out_text_new(stdout, env.all);
		s = (struct rec_sink){ out_text_record, o.text };
		collector_add_sink(o.col, &s);
	}
	if (!env.no_textfile && (env.textfile_dir || !env.read_path)) {
		o.agg = agg_new(&env.agg);
		o.prom = o.agg ? out_prom_new(env.textfile_dir ?: OUT_PROM_DEFAULT_DIR, o.agg) : NULL;
		if (!o.prom) {
			pr_err("out of memory");
			return 1;
		}
		s = (struct rec_sink){ agg_record, o.agg };
		collector_add_sink(o.col, &s);
	}
	return 0;
}

static void close_outputs(void)
{
	struct run_stats st;

	/* the terminal first: whatever is printed next must be readable */
	dashboard_close(o.view);
	o.view = NULL;
	if (o.col && o.text) {
		gather_stats(&st);
		out_text_summary(o.text, &st.col);
	}
	collector_free(o.col);
	out_json_close(o.json);
	out_json_close(o.log);
	out_text_free(o.text);
	out_prom_free(o.prom);
	agg_free(o.agg);
	cert_fini();
	dash_model_free(o.dash);
}

/* ---- privileges ---- */

static struct privs_target who;

/* The textfile is rewritten as `who`: say now, and how to fix it, if it cannot be. */
static void check_textfile_dir(void)
{
	const char *dir = env.textfile_dir ?: OUT_PROM_DEFAULT_DIR;

	if (!o.prom || !access(dir, W_OK | X_OK) || errno == ENOENT)
		return;
	pr_warn("%s is not writable by %s (uid %u), the user tlsmon now runs as (%s): %s is "
		"not written until it is.  Give that user write access (e.g. setfacl -m "
		"u:%s:rwx %s; the systemd unit's tmpfiles.d entry does it), or choose "
		"--textfile-dir, --user or --no-textfile", dir, who.name, (unsigned)who.uid,
		strerror(errno), OUT_PROM_FILE, who.name, dir);
}

/* Who to become, settled before anything is loaded: a bad --user fails early. */
static int resolve_user(void)
{
	const char *u = env.user;
	char err[256];
	int e;

	if (env.no_drop && env.user) {
		pr_err("--user and --no-drop: pick one");
		return EXIT_USAGE;
	}
	/* live as root: nobody; offline, --no-drop, or started unprivileged: stay who we are */
	if (!u && !env.no_drop && !env.read_path && geteuid() == 0)
		u = PRIVS_DEFAULT_USER;
	e = privs_resolve(u, &who, err, sizeof(err));
	if (e)
		pr_err("%s", err);
	return e == -ENOENT ? EXIT_USAGE : e ? EXIT_RUNTIME : 0;
}

/*
 * Once the sources are open: whatever reads the wire or a capture from here
 * on does it with no capability and, live as root, as another user.
 */
static int drop_privileges(void)
{
	char err[512];

	if (env.no_drop) {
		if (!env.read_path)
			pr_warn("keeping every privilege (--no-drop)");
		return 0;
	}
	/* offline as a plain user: nothing to give up */
	if (!who.change_user && !privs_any_cap())
		return 0;
	if (privs_drop(&who, err, sizeof(err))) {
		pr_err("dropping privileges failed: %s", err);
		return -1;
	}
	log_msg(env.read_path ? LOG_DEBUG : LOG_INFO,
		"dropped privileges: running as %s (uid %u, gid %u) with no capabilities",
		who.name, (unsigned)who.uid, (unsigned)who.gid);
	check_textfile_dir();
	return 0;
}

/* ---- offline ---- */

static uint64_t last_frame_ns, next_expire_ns;

static int feed(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		uint32_t wire_len)
{
	uint64_t timeout_ns = env.handshake_timeout * 1e9;

	(void)no;
	(void)wire_len;
	dp_user_frame(ctx, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	/* timeouts run on the capture's clock */
	if (ts > last_frame_ns) {
		last_frame_ns = ts;
		if (o.col)
			collector_tick(o.col, ts);
		if (ts >= next_expire_ns) {
			/* as live: the datapath's flows outlive the collector's by 2 s */
			if (ts > timeout_ns + 2000000000ull)
				dp_user_expire(ctx, ts - timeout_ns - 2000000000ull);
			next_expire_ns = ts + 1000000000ull;
		}
		outputs_tick(ts, 0);
	}
	return exiting;
}

static int run_offline(struct evpipe *pipe)
{
	char err[512];
	struct pcap_src *ps = pcap_src_open(env.read_path, err, sizeof(err));
	const struct pcap_src_stats *st;
	struct dp_user *du;
	int rc;

	if (!ps) {
		pr_err("%s", err);
		return 1;
	}
	if (drop_privileges()) {
		pcap_src_close(ps);
		return 1;
	}
	du = dp_user_new(env.max_flows, evpipe_in, pipe);
	if (!du) {
		pr_err("out of memory");
		pcap_src_close(ps);
		return 1;
	}
	*dp_user_cfg(du) = env.cfg;
	o.du = du;
	o.ps = ps;
	snprintf(o.source, sizeof(o.source), "%s", env.read_path);
	rc = pcap_src_run(ps, feed, du, err, sizeof(err));
	if (rc)
		pr_warn("%s: %s", env.read_path, err);
	st = pcap_src_stats(ps);
	pr_info("%s: %llu frames (%s), %llu not read: %llu unsupported, %llu oversize; "
		"%llu cut by the snap length", env.read_path, (unsigned long long)st->frames,
		pcap_src_linktype(ps), (unsigned long long)(st->unsupported + st->oversize),
		(unsigned long long)st->unsupported, (unsigned long long)st->oversize,
		(unsigned long long)st->truncated);
	if (o.col)
		collector_flush(o.col, last_frame_ns);
	outputs_tick(last_frame_ns, 1);
	o.du = NULL;
	o.ps = NULL;
	dp_user_free(du);
	pcap_src_close(ps);
	return rc ? 1 : 0;
}

/* ---- live ---- */

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* TLSMON_TC_NETLINK=1: classic clsact filters instead of TCX links (man page). */
static int tc_netlink_forced(void)
{
	const char *v = getenv("TLSMON_TC_NETLINK");

	return v && !strcmp(v, "1");
}

static int run_live(struct evpipe *pipe)
{
	struct iface ifs[TLSMON_MAX_IFACES];
	struct bpf_dp_opts dopts = {
		.xdp_mode = env.xdp_mode,
		.tc_ingress = env.tc_ingress,
		/* the path of kernels before TCX (6.6), forced for its test */
		.tc_netlink = tc_netlink_forced(),
		.max_flows = env.max_flows,
		.ringbuf_bytes = env.ringbuf_mb << 20,
		.cfg = env.cfg,
	};
	struct bpf_dp *dp = NULL;
	struct linkwatch *lw = NULL;
	char err[512], gone[IF_NAMESIZE];
	uint64_t next_sweep, now, timeout_ns = env.handshake_timeout * 1e9;
	int64_t wall_offset;
	struct timespec rt;
	size_t len = 0;
	int i, n, e, rc = 1, lost = -1;

	/* the reader is woken past an eighth of the ring, else reads at every poll */
	dopts.cfg.wake_bytes = dopts.ringbuf_bytes / 8;
	n = ifaces_resolve(env.ifaces, ifs, TLSMON_MAX_IFACES, err, sizeof(err));
	if (n < 0) {
		pr_err("%s", err);
		return 1;
	}
	if (!privs_bpf_capable())
		pr_warn("running without CAP_BPF: loading BPF programs will likely fail");
	e = bpf_dp_open(&dp, &dopts, evpipe_in, pipe, err, sizeof(err));
	if (e) {
		pr_err("%s", err);
		return 1;
	}
	/* before attaching: a link deleted in between is not missed */
	lw = linkwatch_open(ifs, n, err, sizeof(err));
	if (!lw) {
		pr_err("%s", err);
		goto cleanup;
	}
	e = bpf_dp_attach(dp, ifs, n, err, sizeof(err));
	if (e) {
		pr_err("%s", err);
		goto cleanup;
	}
	o.dp = dp;
	for (i = 0; i < n && len < sizeof(o.source); i++)
		len += snprintf(o.source + len, sizeof(o.source) - len, "%s%s", i ? "," : "",
				ifs[i].name);
	if (drop_privileges())
		goto cleanup;
	e = bpf_dp_check_access(dp);
	if (e) {
		pr_err("without privileges this kernel refuses tlsmon its own BPF maps (%s): "
		       "kernels before 6.5 with kernel.unprivileged_bpf_disabled set need --no-drop",
		       strerror(-e));
		goto cleanup;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	wall_offset = (int64_t)rt.tv_sec * 1000000000ll + rt.tv_nsec - (int64_t)boottime_ns();
	next_sweep = boottime_ns() + 1000000000ull;
	while (!exiting) {
		e = bpf_dp_poll(dp, 100);
		if (e < 0) {
			pr_err("reading the ring buffer: %s", strerror(-e));
			goto cleanup;
		}
		/* records are written buffered: out within a pass of this loop */
		out_json_flush(o.json);
		out_json_flush(o.log);
		fflush(stdout);
		now = boottime_ns();
		if (o.col)
			collector_tick(o.col, now);
		if (now >= next_sweep) {
			/* the kernel's flows live a little longer than ours: late events still find them */
			bpf_dp_sweep(dp, now - timeout_ns - 2000000000ull, &o.flows);
			next_sweep = now + 1000000000ull;
		}
		outputs_tick(now + wall_offset, 0);
		if (reopen) {
			reopen = 0;
			e = o.log ? out_json_reopen(o.log) : 0;
			if (e)
				pr_warn("cannot reopen %s as %s: %s; still writing to the old file (that "
					"user must be able to create it: e.g. LogsDirectory= in the unit)",
					env.log_path, who.name, strerror(-e));
			else if (o.log)
				pr_info("reopened %s", env.log_path);
		}
		lost = linkwatch_check(lw, gone, sizeof(gone));
		if (lost >= 0) {
			pr_err("%s went away (deleted, or moved to another network namespace); tlsmon "
			       "does not attach to an interface that replaces it%s: restart it (the "
			       "systemd unit does, Restart=on-failure)", gone,
			       env.no_drop ? "" : " (it gave up the privileges to)");
			break;
		}
	}
	/* what is already in the ring buffer still counts */
	bpf_dp_poll(dp, 0);
	if (o.col)
		collector_flush(o.col, boottime_ns());
	outputs_tick(boottime_ns() + wall_offset, 1);
	rc = lost >= 0 ? EXIT_IFACE_GONE : EXIT_OK;
cleanup:
	o.dp = NULL;
	bpf_dp_close(dp);
	linkwatch_close(lw);
	return rc;
}

int main(int argc, char **argv)
{
	enum {
		OPT_XDP_MODE = 256, OPT_TC_INGRESS, OPT_EVENTS, OPT_PORTS, OPT_NO_DECAP,
		OPT_TIMEOUT, OPT_MAX_FLOWS, OPT_RINGBUF, OPT_LOG, OPT_ALL, OPT_SUMMARY, OPT_MAX_CONNS,
		OPT_TEXTFILE_DIR, OPT_TEXTFILE_INTERVAL, OPT_NO_TEXTFILE, OPT_MAX_SERIES, OPT_CA_FILE,
		OPT_DASHBOARD, OPT_NO_DASHBOARD, OPT_USER, OPT_NO_DROP,
	};
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "tc-ingress", no_argument, NULL, OPT_TC_INGRESS },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "json", no_argument, NULL, 'j' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "summary-interval", required_argument, NULL, OPT_SUMMARY },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "no-decap", no_argument, NULL, OPT_NO_DECAP },
		{ "handshake-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF },
		{ "textfile-dir", required_argument, NULL, OPT_TEXTFILE_DIR },
		{ "textfile-interval", required_argument, NULL, OPT_TEXTFILE_INTERVAL },
		{ "no-textfile", no_argument, NULL, OPT_NO_TEXTFILE },
		{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "dashboard", no_argument, NULL, OPT_DASHBOARD },
		{ "no-dashboard", no_argument, NULL, OPT_NO_DASHBOARD },
		{ "user", required_argument, NULL, OPT_USER },
		{ "no-drop", no_argument, NULL, OPT_NO_DROP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct evpipe pipe;
	uint32_t v;
	int c, rc;

	log_detect_journal();
	while ((c = getopt_long(argc, argv, "i:r:jvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			env.ifaces = optarg;
			break;
		case 'r':
			env.read_path = optarg;
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "native"))
				env.xdp_mode = XDP_MODE_NATIVE;
			else if (!strcmp(optarg, "generic") || !strcmp(optarg, "skb"))
				env.xdp_mode = XDP_MODE_GENERIC;
			else if (!strcmp(optarg, "auto"))
				env.xdp_mode = XDP_MODE_AUTO;
			else {
				pr_err("--xdp-mode: native, generic or auto, not '%s'", optarg);
				return 2;
			}
			break;
		case OPT_TC_INGRESS:
			env.tc_ingress = 1;
			break;
		case OPT_EVENTS:
			env.events = 1;
			break;
		case 'j':
			env.json = 1;
			break;
		case OPT_LOG:
			env.log_path = optarg;
			break;
		case OPT_ALL:
			env.all = 1;
			break;
		case OPT_SUMMARY:
			if (parse_u32(optarg, "--summary-interval", 0, 86400, &env.summary_interval))
				return 2;
			break;
		case OPT_MAX_CONNS:
			if (parse_u32(optarg, "--max-conns", 16, 1 << 24, &env.max_conns))
				return 2;
			break;
		case OPT_PORTS:
			if (parse_ports(optarg))
				return 2;
			break;
		case OPT_NO_DECAP:
			env.cfg.decap = 0;
			break;
		case OPT_TIMEOUT:
			if (parse_u32(optarg, "--handshake-timeout", 1, 3600, &v))
				return 2;
			env.handshake_timeout = v;
			break;
		case OPT_MAX_FLOWS:
			if (parse_u32(optarg, "--max-flows", 64, 1 << 24, &env.max_flows))
				return 2;
			break;
		case OPT_RINGBUF:
			if (parse_u32(optarg, "--ringbuf-mb", 1, 1024, &v))
				return 2;
			if (v & (v - 1)) {
				pr_err("--ringbuf-mb: must be a power of two, not %u", v);
				return 2;
			}
			env.ringbuf_mb = v;
			break;
		case OPT_TEXTFILE_DIR:
			env.textfile_dir = optarg;
			break;
		case OPT_TEXTFILE_INTERVAL:
			if (parse_u32(optarg, "--textfile-interval", 1, 3600, &env.textfile_interval))
				return 2;
			break;
		case OPT_NO_TEXTFILE:
			env.no_textfile = 1;
			break;
		case OPT_MAX_SERIES:
			if (parse_max_series(optarg))
				return 2;
			break;
		case OPT_CA_FILE:
			env.ca_file = optarg;
			break;
		case OPT_DASHBOARD:
			env.dashboard = 1;
			break;
		case OPT_NO_DASHBOARD:
			env.dashboard = 0;
			break;
		case OPT_USER:
			env.user = optarg;
			break;
		case OPT_NO_DROP:
			env.no_drop = 1;
			break;
		case 'v':
			env.verbose++;
			break;
		case 'V':
			printf("tlsmon %s\n", TLSMON_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	if (env.dashboard < 0)
		env.dashboard = !env.json && !env.events && dashboard_usable();
	if (env.dashboard && (env.json || env.events)) {
		pr_err("--dashboard and --%s both write to standard output: pick one "
		       "(--log FILE keeps JSON lines next to the dashboard)",
		       env.json ? "json" : "events");
		return 2;
	}
	if (env.dashboard && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		pr_err("--dashboard needs a terminal on standard input and output "
		       "(or --no-dashboard)");
		return 2;
	}
	log_set_level(LOG_INFO + env.verbose);
	libbpf_set_print(libbpf_print);
	rc = resolve_user();
	if (rc)
		return rc;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (env.events) {
		rc = evpipe_init(&pipe, print_event, NULL, 1);
	} else {
		rc = open_outputs();
		if (rc)
			return rc;
		rc = evpipe_init(&pipe, collector_event, o.col, 0);
	}
	o.pipe = &pipe;
	if (rc) {
		pr_err("out of memory");
		return 1;
	}
	rc = env.read_path ? run_offline(&pipe) : run_live(&pipe);
	/* a capture on the dashboard is held until q, to browse like a live incident */
	while (o.view && env.read_path && !exiting && !dashboard_wait(o.view, 100))
		;
	if (o.dash_failed)
		rc = 1;
	close_outputs();
	o.pipe = NULL;
	evpipe_fini(&pipe);
	jb_free(&out);
	return rc;
}
