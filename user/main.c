// SPDX-License-Identifier: BSD-3-Clause
/*
 * tlsmon: watch TLS handshakes and explain the ones that fail.  This file:
 * the settings from the command line, signals, and who tlsmon runs as.
 */
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
#include "main.h"
#include "model/local_id.h"
#include "lib/log.h"
#include "lib/privs.h"
#include "model/collector.h"
#include "model/verify.h"
#include "output/out_ecs.h"
#include "output/out_prom.h"
#include "pipe/evpipe.h"
#include "ui/dashboard.h"

struct env env = {
	.textfile_interval = 15,
	.dashboard = -1,
	.handshake_timeout = 10,
	.summary_interval = 60,
	.what_if_interval = 60,
	.max_flows = 65536,
	.max_conns = 32768,
	.ringbuf_mb = 16,
	.seccomp = SANDBOX_KILL,
	.verify_interval = 600,
	.verify_timeout = 3,
	.verify_probes = VERIFY_DEFAULT_PROBES,
	.cfg = TLSMON_DP_CFG_DEFAULT,
	.pcap_max_files = 100,
	.pcap_max_bytes = 100ull << 20,
};

/* --pcap-*: options of their own past the others' (parse_pcap) */
enum { OPT_PCAP_DIR = 0x400, OPT_PCAP_MAX_FILES, OPT_PCAP_MAX_BYTES, OPT_PCAP_SNAP,
       OPT_PCAP_PACKETS };

struct run run;
volatile sig_atomic_t exiting, reopen, what_if_now;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else if (sig == SIGUSR1)
		what_if_now = 1;
	else
		exiting = 1;
}


/*
 * Outputs that report on a clock.  Live: about every 100 ms; offline: as the
 * capture's clock moves, and once more at the end (final = 1).  now_ns is the
 * wall clock (live) or the capture's time (offline).
 */
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
		"  -r, --read FILE             read a capture (pcap or pcapng, gzip or not;\n"
		"                              '-' for stdin; a pipe or FIFO too)\n"
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
		"      --json-format FMT       the records' vocabulary, for --json and --log:\n"
		"                              native (the default), ecs (Elastic Common\n"
		"                              Schema 8) or otel (OpenTelemetry attributes)\n"
		"      --all                   text output: established handshakes too, not\n"
		"                              only failures\n"
		"      --summary-interval S    seconds between text summaries (60; 0: none)\n"
		"      --max-conns N           handshakes followed at once in userspace (32768);\n"
		"                              they hold at most N KiB of hellos between them\n"
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
		"      --no-process-labels     no series with a process label (the program of\n"
		"                              this host: pod, container, unit or command)\n"
		"      --max-series [FAMILY=]N most series per metric family (500; 8 or more);\n"
		"                              past it new values fold into \"other\".  Families:\n"
		"                              handshakes, failures, alerts, negotiated, servers,\n"
		"                              sni, clients, ja4, server_ja4, cert_findings,\n"
		"                              client_cert_findings, cert_expiry, processes,\n"
		"                              process_failures\n"
		"Captures of failures (see tlsmon(8)):\n"
		"      --pcap-dir DIR          a pcapng file per failed handshake in DIR, its\n"
		"                              frames with the diagnosis as comments (off)\n"
		"      --pcap-max-files N      at most N files in DIR, the oldest removed (100)\n"
		"      --pcap-max-bytes N      at most N bytes of them, in MiB (100)\n"
		"      --pcap-snap N           payload bytes kept per frame (128); hellos and\n"
		"                              alerts whole, up to %d bytes a frame\n"
		"      --pcap-packets N        frames kept per handshake, 1 to 255 (64)\n"
		"Active verification (live only; makes outbound connections, see tlsmon(8)):\n"
		"      --verify                when a server refuses a hello with a fatal alert,\n"
		"                              ask it (with libssl, from this host, only that\n"
		"                              address and port, the same SNI): the client's\n"
		"                              offer, then which versions and suites it accepts\n"
		"      --verify-interval S     at most one verification per server:port per S\n"
		"                              seconds (600)\n"
		"      --verify-timeout S      per probe handshake, connect included (3)\n"
		"      --verify-probes N       handshakes per verification, 1 to %d (%d)\n"
		"Local programs (live only; see tlsmon(8)):\n"
		"      --no-process            do not load the socket hooks (fentry/fexit on\n"
		"                              connect and accept, else the TCP state\n"
		"                              tracepoint) that name the program of this host\n"
		"                              at each handshake\n"
		"      --pid N                 report only handshakes of process N\n"
		"      --cgroup PATH           ... of programs in cgroup v2 PATH or below it\n"
		"      --unit NAME             ... of programs in systemd unit NAME\n"
		"What would break:\n"
		"      --what-if POLICY        instead of the records: which distinct client\n"
		"                              offers (per JA4) a server with POLICY would\n"
		"                              refuse, and why; printed at the end of --read;\n"
		"                              live every --what-if-interval, on SIGUSR1 and\n"
		"                              when tlsmon stops; with --dashboard, its w view.\n"
		"                              POLICY: comma-separated min_version=,\n"
		"                              max_version= (TLS1.0..TLS1.3),\n"
		"                              ciphers=, ciphersuites= (OpenSSL, ':'-separated),\n"
		"                              groups=, sigalgs=, alpn= (':'-separated),\n"
		"                              cert=rsa|ecdsa; see tlsmon(8)\n"
		"      --what-if-interval S    live: seconds between reports (60; 0: only on\n"
		"                              SIGUSR1 and at the stop)\n"
		"Privileges:\n"
		"      --user NAME             once attached (or the capture open), run as NAME\n"
		"                              with no capability (live default: nobody when\n"
		"                              started as root, else the user tlsmon runs as;\n"
		"                              offline default: the same user; root: stay uid 0,\n"
		"                              drop every capability)\n"
		"      --no-drop               keep every privilege (not for production)\n"
		"      --no-seccomp            no system call filter after setup (debugging;\n"
		"                              TLSMON_SECCOMP=kill|log|off, default kill)\n"
		"  -v, --verbose               more log output (twice: debug, libbpf too)\n"
		"  -V, --version               print the version and exit\n"
		"  -h, --help                  this help\n"
		"Exit status: 0 stopped by SIGINT/SIGTERM (or the capture was read), 1 error,\n"
		"2 bad command line, 3 a watched interface went away (restart to attach again).\n",
		TLSMON_PKT_MAX, VERIFY_MAX_PROBES, VERIFY_DEFAULT_PROBES);
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

/* --pcap-dir and its bounds: 0, or -1 (said) */
static int parse_pcap(int c, const char *arg)
{
	uint32_t v;

	switch (c) {
	case OPT_PCAP_DIR:
		env.pcap_dir = arg;
		if (!env.cfg.pkt_max)
			env.cfg.pkt_max = 64;
		if (!env.cfg.pkt_snap)
			env.cfg.pkt_snap = 128;
		return 0;
	case OPT_PCAP_MAX_FILES:
		return parse_u32(arg, "--pcap-max-files", 1, 1000000, &env.pcap_max_files);
	case OPT_PCAP_MAX_BYTES:
		if (parse_u32(arg, "--pcap-max-bytes", 1, 1 << 20, &v))
			return -1;
		env.pcap_max_bytes = (uint64_t)v << 20;
		return 0;
	case OPT_PCAP_SNAP:
		return parse_u32(arg, "--pcap-snap", 1, TLSMON_PKT_MAX, &env.cfg.pkt_snap);
	case OPT_PCAP_PACKETS:
		if (parse_u32(arg, "--pcap-packets", 1, 255, &v))
			return -1;
		env.cfg.pkt_max = (uint8_t)v;
		return 0;
	}
	return -1;
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

static struct privs_target who;

/* The textfile is rewritten as `who`: say now, and how to fix it, if it cannot be. */
static void check_textfile_dir(void)
{
	const char *dir = env.textfile_dir ?: OUT_PROM_DEFAULT_DIR;

	if (!run.prom || !access(dir, W_OK | X_OK) || errno == ENOENT)
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

int main_drop_privileges(void)
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

int main_enter_sandbox(void)
{
	const char *test = getenv("TLSMON_SANDBOX_SELFTEST");
	char err[256];
	int e;

	outputs_start();
	e = sandbox_enter(env.seccomp, env.verify ? SANDBOX_F_PROBES : 0, err, sizeof(err));
	if (e) {
		pr_err("%s (TLSMON_SECCOMP=off or --no-seccomp runs without the filter)", err);
		return -1;
	}
	if (env.seccomp != SANDBOX_OFF)
		log_msg(env.read_path ? LOG_DEBUG : LOG_INFO, "system call filter on (%s)",
			sandbox_mode_name(env.seccomp));
	else if (!env.read_path)
		pr_warn("no system call filter (%s)",
			getenv("TLSMON_SECCOMP") ? "TLSMON_SECCOMP=off" : "--no-seccomp");
	/* for the tests: a forbidden call, which kills under the filter */
	if (test && *test) {
		e = sandbox_selftest(test);
		pr_warn("TLSMON_SANDBOX_SELFTEST=%s: the call returned (%s)", test,
			e ? strerror(-e) : "success");
	}
	return 0;
}

const char *main_run_user(void)
{
	return who.name;
}

int main_leaves_root(void)
{
	return !env.no_drop && geteuid() == 0 && who.change_user && who.uid != 0;
}

/* The command line into env: -1 to go on, else the exit code (--help, --version, errors). */
static int parse_args(int argc, char **argv)
{
	enum {
		OPT_XDP_MODE = 256, OPT_TC_INGRESS, OPT_EVENTS, OPT_PORTS, OPT_NO_DECAP,
		OPT_TIMEOUT, OPT_MAX_FLOWS, OPT_RINGBUF, OPT_LOG, OPT_ALL, OPT_SUMMARY, OPT_MAX_CONNS,
		OPT_TEXTFILE_DIR, OPT_TEXTFILE_INTERVAL, OPT_NO_TEXTFILE, OPT_MAX_SERIES, OPT_CA_FILE,
		OPT_DASHBOARD, OPT_NO_DASHBOARD, OPT_USER, OPT_NO_DROP, OPT_NO_SECCOMP,
		OPT_VERIFY, OPT_VERIFY_INTERVAL, OPT_VERIFY_TIMEOUT, OPT_VERIFY_PROBES,
		OPT_JSON_FORMAT, OPT_NO_PROCESS, OPT_PID, OPT_CGROUP, OPT_UNIT,
		OPT_NO_PROCESS_LABELS,
		OPT_WHAT_IF, OPT_WHAT_IF_INTERVAL,
	};
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "tc-ingress", no_argument, NULL, OPT_TC_INGRESS },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "json", no_argument, NULL, 'j' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "json-format", required_argument, NULL, OPT_JSON_FORMAT },
		{ "no-process", no_argument, NULL, OPT_NO_PROCESS },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "unit", required_argument, NULL, OPT_UNIT },
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
		{ "no-process-labels", no_argument, NULL, OPT_NO_PROCESS_LABELS },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "dashboard", no_argument, NULL, OPT_DASHBOARD },
		{ "no-dashboard", no_argument, NULL, OPT_NO_DASHBOARD },
		{ "user", required_argument, NULL, OPT_USER },
		{ "no-drop", no_argument, NULL, OPT_NO_DROP },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "verify-interval", required_argument, NULL, OPT_VERIFY_INTERVAL },
		{ "verify-timeout", required_argument, NULL, OPT_VERIFY_TIMEOUT },
		{ "verify-probes", required_argument, NULL, OPT_VERIFY_PROBES },
		{ "what-if", required_argument, NULL, OPT_WHAT_IF },
		{ "what-if-interval", required_argument, NULL, OPT_WHAT_IF_INTERVAL },
		{ "pcap-dir", required_argument, NULL, OPT_PCAP_DIR },
		{ "pcap-max-files", required_argument, NULL, OPT_PCAP_MAX_FILES },
		{ "pcap-max-bytes", required_argument, NULL, OPT_PCAP_MAX_BYTES },
		{ "pcap-snap", required_argument, NULL, OPT_PCAP_SNAP },
		{ "pcap-packets", required_argument, NULL, OPT_PCAP_PACKETS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sc = getenv("TLSMON_SECCOMP");
	uint32_t v;
	int c, no_seccomp = 0, what_if_interval_set = 0;

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
				return EXIT_USAGE;
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
		case OPT_JSON_FORMAT:
			c = out_ecs_format_parse(optarg);
			if (c < 0) {
				pr_err("--json-format: native, ecs or otel, not '%s'", optarg);
				return EXIT_USAGE;
			}
			env.json_format = c;
			break;
		case OPT_NO_PROCESS:
			env.no_process = 1;
			break;
		case OPT_PID:
			/* PID_MAX_LIMIT: the largest pid the kernel hands out */
			if (parse_u32(optarg, "--pid", 1, 4194304, &env.filter.pid))
				return EXIT_USAGE;
			break;
		case OPT_CGROUP:
			if (optarg[0] != '/' || strlen(optarg) >= LOCAL_PATH_MAX) {
				pr_err("--cgroup: a cgroup v2 path from its root (\"/system.slice/"
				       "nginx.service\"), shorter than %d bytes, not '%s'",
				       LOCAL_PATH_MAX, optarg);
				return EXIT_USAGE;
			}
			env.filter.cgroup = optarg;
			break;
		case OPT_UNIT:
			if (!optarg[0] || strlen(optarg) >= LOCAL_NAME_MAX || strchr(optarg, '/')) {
				pr_err("--unit: a systemd unit name (\"nginx.service\"), shorter than "
				       "%d bytes, not '%s'", LOCAL_NAME_MAX, optarg);
				return EXIT_USAGE;
			}
			env.filter.unit = optarg;
			break;
		case OPT_ALL:
			env.all = 1;
			break;
		case OPT_SUMMARY:
			if (parse_u32(optarg, "--summary-interval", 0, 86400, &env.summary_interval))
				return EXIT_USAGE;
			break;
		case OPT_MAX_CONNS:
			if (parse_u32(optarg, "--max-conns", 16, 1 << 24, &env.max_conns))
				return EXIT_USAGE;
			break;
		case OPT_PORTS:
			if (parse_ports(optarg))
				return EXIT_USAGE;
			break;
		case OPT_NO_DECAP:
			env.cfg.decap = 0;
			break;
		case OPT_TIMEOUT:
			if (parse_u32(optarg, "--handshake-timeout", 1, 3600, &v))
				return EXIT_USAGE;
			env.handshake_timeout = v;
			break;
		case OPT_MAX_FLOWS:
			if (parse_u32(optarg, "--max-flows", 64, 1 << 24, &env.max_flows))
				return EXIT_USAGE;
			break;
		case OPT_RINGBUF:
			if (parse_u32(optarg, "--ringbuf-mb", 1, 1024, &v))
				return EXIT_USAGE;
			if (v & (v - 1)) {
				pr_err("--ringbuf-mb: must be a power of two, not %u", v);
				return EXIT_USAGE;
			}
			env.ringbuf_mb = v;
			break;
		case OPT_TEXTFILE_DIR:
			env.textfile_dir = optarg;
			break;
		case OPT_TEXTFILE_INTERVAL:
			if (parse_u32(optarg, "--textfile-interval", 1, 3600, &env.textfile_interval))
				return EXIT_USAGE;
			break;
		case OPT_NO_TEXTFILE:
			env.no_textfile = 1;
			break;
		case OPT_MAX_SERIES:
			if (parse_max_series(optarg))
				return EXIT_USAGE;
			break;
		case OPT_NO_PROCESS_LABELS:
			env.no_process_labels = 1;
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
		case OPT_NO_SECCOMP:
			no_seccomp = 1;
			break;
		case OPT_VERIFY:
			env.verify = 1;
			break;
		case OPT_VERIFY_INTERVAL:
			if (parse_u32(optarg, "--verify-interval", 1, 7 * 86400, &env.verify_interval))
				return EXIT_USAGE;
			break;
		case OPT_VERIFY_TIMEOUT:
			if (parse_u32(optarg, "--verify-timeout", 1, 60, &env.verify_timeout))
				return EXIT_USAGE;
			break;
		case OPT_VERIFY_PROBES:
			if (parse_u32(optarg, "--verify-probes", 1, VERIFY_MAX_PROBES, &env.verify_probes))
				return EXIT_USAGE;
			break;
		case OPT_WHAT_IF:
			if (env.what_if) {
				pr_err("--what-if: one policy per run");
				return EXIT_USAGE;
			}
			env.what_if = optarg;
			if (outputs_what_if(optarg))
				return EXIT_USAGE;
			break;
		case OPT_WHAT_IF_INTERVAL:
			if (parse_u32(optarg, "--what-if-interval", 0, 86400, &env.what_if_interval))
				return EXIT_USAGE;
			what_if_interval_set = 1;
			break;
		case OPT_PCAP_DIR:
		case OPT_PCAP_MAX_FILES:
		case OPT_PCAP_MAX_BYTES:
		case OPT_PCAP_SNAP:
		case OPT_PCAP_PACKETS:
			if (parse_pcap(c, optarg))
				return EXIT_USAGE;
			break;
		case 'v':
			env.verbose++;
			break;
		case 'V':
			printf("tlsmon %s\n", TLSMON_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (sc && *sc) {
		c = sandbox_mode_parse(sc);
		if (c < 0) {
			pr_err("TLSMON_SECCOMP: kill, log or off, not '%s'", sc);
			return EXIT_USAGE;
		}
		env.seccomp = c;
	}
	if (no_seccomp)
		env.seccomp = SANDBOX_OFF;
	/* a capture's servers are another time's, maybe another network's: never asked */
	if (env.verify && env.read_path) {
		pr_err("--verify asks live servers and cannot be used with --read: the servers in "
		       "a capture may be elsewhere, or changed since");
		return EXIT_USAGE;
	}
	/* a capture has no processes; the filters read what the socket hooks record */
	if (local_filter_any(&env.filter) && (env.read_path || env.no_process || env.events)) {
		pr_err("--pid, --cgroup and --unit name local programs: live only, without "
		       "--no-process or --events");
		return EXIT_USAGE;
	}
	if (env.verify && env.events) {
		pr_err("--verify needs the collector's records; --events prints raw events instead");
		return EXIT_USAGE;
	}
	if (what_if_interval_set && !env.what_if) {
		pr_err("--what-if-interval: without --what-if there is no report");
		return EXIT_USAGE;
	}
	/* with --dashboard the report is its w view (and printed when it closes) */
	if (env.what_if && env.events) {
		pr_err("--what-if judges the collector's records; --events prints raw events instead");
		return EXIT_USAGE;
	}
	if (env.pcap_dir && env.events) {
		pr_err("--pcap-dir needs the collector's records; --events prints raw events instead");
		return EXIT_USAGE;
	}
	if (!env.pcap_dir)	/* the datapath sends no frame */
		env.cfg.pkt_max = 0;
	if (env.dashboard < 0)
		env.dashboard = !env.json && !env.events && !env.what_if && dashboard_usable();
	if (env.dashboard && (env.json || env.events)) {
		pr_err("--dashboard and --%s both write to standard output: pick one "
		       "(--log FILE keeps JSON lines next to the dashboard)",
		       env.json ? "json" : "events");
		return EXIT_USAGE;
	}
	if (env.dashboard && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		pr_err("--dashboard needs a terminal on standard input and output "
		       "(or --no-dashboard)");
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct evpipe pipe;
	int rc, e;

	log_detect_journal();
	rc = parse_args(argc, argv);
	if (rc >= 0)
		return rc;
	log_set_level(LOG_INFO + env.verbose);
	libbpf_set_print(libbpf_print);
	rc = resolve_user();
	if (rc)
		return rc;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a what-if report now (live) */
	if (env.what_if)
		sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* a file over its size limit fails the write (counted), not the process */
	signal(SIGXFSZ, SIG_IGN);
	if (!env.events) {
		rc = outputs_open();
		if (rc)
			goto cleanup;
	}
	e = env.events ? evpipe_init(&pipe, outputs_print_event, NULL, 1)
		       : evpipe_init(&pipe, collector_event, run.col, 0);
	if (e) {
		pr_err("cannot set up the event pipe: %s", strerror(-e));
		rc = EXIT_RUNTIME;
		goto cleanup;
	}
	if (run.pkts) {		/* --pcap-dir: hello frames come headers-only */
		pipe.hello_tap = pktbuf_hello;
		pipe.hello_tap_ctx = run.pkts;
	}
	run.pipe = &pipe;
	rc = env.read_path ? offline_run(&pipe) : live_run(&pipe);
	/* a capture on the dashboard is held until q, to browse like a live incident */
	while (run.view && env.read_path && !exiting && !dashboard_wait(run.view, 100))
		;
	if (run.dash_failed)
		rc = EXIT_RUNTIME;
cleanup:
	outputs_close();
	if (run.pipe)
		evpipe_fini(run.pipe);
	run.pipe = NULL;
	return rc;
}
