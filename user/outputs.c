// SPDX-License-Identifier: BSD-3-Clause
/*
 * Wiring the outputs: which ones the settings ask for, each registered with
 * the collector as a record sink, the ones that report on a clock (summary,
 * textfile, dashboard), and the --events printer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "main.h"
#include "lib/log.h"
#include "model/cert.h"
#include "model/collector.h"
#include "model/verify.h"
#include "output/ev_json.h"
#include "output/jbuf.h"
#include "output/out_ecs.h"
#include "output/out_json.h"
#include "output/out_pcap.h"
#include "output/out_prom.h"
#include "output/out_text.h"
#include "output/out_whatif.h"
#include "pipe/evpipe.h"
#include "source/dp_user.h"
#include "source/pcap_src.h"
#include "ui/dash_model.h"
#include "ui/dashboard.h"

/* Everything counted so far, for the outputs that report it. */
static void gather_stats(struct run_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->live = !env.read_path;
	st->source = run.source;
	st->start_wall_ns = run.start_wall_ns;
	st->now_wall_ns = run.now_wall_ns;
	if (run.dp) {
		bpf_dp_counters(run.dp, st->dp);
		st->flows_live = run.flows.live;
		st->flows_evicted = run.flows.evicted;
		st->flows_sweep_errors = run.flows.sweep_errors;
	} else if (run.du) {
		memcpy(st->dp, dp_user_counters(run.du), sizeof(st->dp));
		st->flows_live = dp_user_flow_count(run.du);
		st->flows_evicted = dp_user_flow_evictions(run.du);
	}
	if (run.pipe) {
		st->events = run.pipe->events;
		st->events_malformed = run.pipe->malformed;
		st->reasm_client_hellos = run.pipe->reasm_client_hellos;
		st->ch_parse_errors = run.pipe->ch_parse_errors;
		/* the datapath ships hellos, the pipe parses them: one count */
		st->dp[TLSMON_C_PARSE_ERRORS] += run.pipe->ch_parse_errors + run.pipe->sh_parse_errors;
		if (run.pipe->reasm)
			reasm_stats(run.pipe->reasm, &st->reasm);
		if (run.pipe->quic)
			st->quic = *quic_track_stats(run.pipe->quic);
	}
	if (run.col)
		collector_stats(run.col, &st->col);
	if (run.pcap) {
		st->pcap_on = 1;
		out_pcap_stats(run.pcap, &st->pcap);
	}
	if (!env.read_path)
		local_stats(st);
	if (run.json)
		st->json_write_failures = out_json_stats(run.json)->failed;
	if (run.log)
		st->log_write_failures = out_json_stats(run.log)->failed;
	if (run.text)
		st->text_write_failures = out_text_stats(run.text)->failed;
	if (run.verify) {
		st->verify_on = 1;
		verify_stats(run.verify, &st->verify);
	}
	if (run.ps) {
		const struct pcap_src_stats *ps = pcap_src_stats(run.ps);

		st->frames = ps->frames;
		st->frames_truncated = ps->truncated;
		st->frames_unsupported = ps->unsupported;
		st->frames_oversize = ps->oversize;
	}
}

static uint64_t next_summary_ns, next_prom_ns;

int outputs_what_if(const char *policy)
{
	char err[512];

	run.policy = calloc(1, sizeof(*run.policy));
	if (!run.policy) {
		pr_err("out of memory");
		return -1;
	}
	if (whatif_parse(policy, run.policy, err, sizeof(err))) {
		pr_err("--what-if: %s", err);
		return -1;
	}
	return 0;
}

static uint64_t next_what_if_ns;
static unsigned what_if_reports;

/*
 * The --what-if report: at the end of --read; live a whole snapshot every
 * --what-if-interval, on SIGUSR1 and at the stop, each opened by its number
 * and time.  What the bounds left out, said.
 */
static void what_if_report(uint64_t now_ns)
{
	struct out_whatif_report h = { env.read_path ? 0 : ++what_if_reports, now_ns };
	struct offers_stats os;

	offers_stats(run.offers, &os);
	if (out_whatif_write(stdout, run.policy, run.offers, env.json, &h))
		pr_warn("--what-if: the report could not be written whole");
	if (os.dropped)
		pr_warn("--what-if: %llu handshake(s) of new client offers past the %zu kept were "
			"not judged", (unsigned long long)os.dropped, offers_max(run.offers));
	if (os.no_hello)
		pr_info("--what-if: %llu handshake(s) without a ClientHello seen were not judged",
			(unsigned long long)os.no_hello);
}

/* A policy read and thrown away: libssl set up (configuration, random) before the sandbox. */
static void what_if_warm(void)
{
	struct whatif_policy *p = calloc(1, sizeof(*p));
	char err[256];

	if (p && whatif_parse("min_version=TLS1.2", p, err, sizeof(err)))
		pr_warn("what-if: libssl: %s", err);
	free(p);
}

/* --verify: a finished verification, to every output that prints lines */
static void on_verified(void *ctx, const struct verify_result *res)
{
	(void)ctx;
	if (run.json)
		out_json_verified(run.json, res);
	if (run.log)
		out_json_verified(run.log, res);
	if (run.text)
		out_text_verified(run.text, res);
	/* the failures that waited for it are written now, with it */
	if (run.col)
		collector_release(run.col, res->t.addr, res->t.port, res);
}

/* The collector's hold hook: a failure whose verification was just queued waits for it. */
static int hold_for_verify(void *ctx, const struct hs_record *r)
{
	return verify_submit(ctx, r);
}

/*
 * The collector's annotate hook: tlsmon's own probes are left out (nonzero),
 * other records get the latest verification of their server.
 */
static int annotate_verified(void *ctx, struct hs_record *r)
{
	if (verify_own(ctx, r))
		return 1;
	r->verified = verify_lookup(ctx, r->saddr, r->sport);
	return 0;
}

/* Opened once the source is up (errors before it print plainly), before the sandbox. */
static int dashboard_start(void)
{
	char err[256];

	if (run.view || run.dash_failed)
		return !run.view;
	run.view = dashboard_open(run.dash, err, sizeof(err));
	if (!run.view) {
		pr_err("%s", err);
		run.dash_failed = 1;
		exiting = 1;
		return -1;
	}
	dashboard_what_if(run.view, run.offers, env.what_if ? run.policy : NULL);
	return 0;
}

void outputs_start(void)
{
	if (run.dash)
		dashboard_start();
}

static void dashboard_step(int final)
{
	if ((env.read_path || !final) && dashboard_start())
		return;
	if (!run.view)
		return;
	if (dashboard_tick(run.view, final))
		exiting = 1;
}

void outputs_tick(uint64_t now_ns, int final)
{
	struct run_stats st;

	run.now_wall_ns = now_ns;
	/* with the dashboard: its w view, and the report once it is closed */
	if (env.what_if && !run.dash) {
		if (!next_what_if_ns && env.what_if_interval)
			next_what_if_ns = now_ns + env.what_if_interval * 1000000000ull;
		if (final || what_if_now ||
		    (!env.read_path && next_what_if_ns && now_ns >= next_what_if_ns)) {
			what_if_now = 0;
			what_if_report(now_ns);
			if (env.what_if_interval)
				next_what_if_ns = now_ns + env.what_if_interval * 1000000000ull;
		}
	}
	if (run.verify)
		verify_poll(run.verify, on_verified, NULL);
	if (!run.start_wall_ns)
		run.start_wall_ns = now_ns;
	if (run.text && env.summary_interval && !env.read_path && !final) {
		if (!next_summary_ns)
			next_summary_ns = now_ns + env.summary_interval * 1000000000ull;
		if (now_ns >= next_summary_ns) {
			gather_stats(&st);
			out_text_summary(run.text, &st);
			next_summary_ns = now_ns + env.summary_interval * 1000000000ull;
		}
	}
	/* the textfile: live every interval, offline once at the end */
	if (run.prom && (final || (!env.read_path && now_ns >= next_prom_ns))) {
		gather_stats(&st);
		out_prom_write(run.prom, &st);
		next_prom_ns = now_ns + env.textfile_interval * 1000000000ull;
	}
	/* the dashboard: its own pace (a few draws a second), keys read without waiting */
	if (run.dash && (final || now_ns - run.dash_tick_ns >= 100000000ull)) {
		run.dash_tick_ns = now_ns;
		gather_stats(&st);
		dash_model_tick(run.dash, &st);
		dashboard_step(final);
	}
}

static struct jbuf out;

int outputs_print_event(void *ctx, const void *ev, size_t size)
{
	(void)ctx;
	jbuf_reset(&out);
	if (ev_json(&out, ev, size))
		return 0;
	jbuf_raw(&out, "\n", 1);
	fwrite(out.s, 1, out.len, stdout);
	return 0;
}

/* One output more for the collector's records; ctx NULL: it could not be made. */
static int add_sink(void (*record)(void *, const struct hs_record *), void *ctx)
{
	struct rec_sink s = { record, ctx };

	if (!ctx) {
		pr_err("out of memory");
		return -1;
	}
	if (collector_add_sink(run.col, &s)) {
		pr_err("more outputs than the collector takes (%d)", COLLECTOR_MAX_SINKS);
		return -1;
	}
	return 0;
}

/*
 * --pcap-dir: the frames of open connections (the collector hands them
 * over) and the writer of the failures' files.  The frames' budget: 32 MiB,
 * apart from the collector's.
 */
#define PCAP_BUFFER_BYTES (32ull << 20)
static int pcap_open(struct collector_opts *co)
{
	struct out_pcap_opts po = {
		.dir = env.pcap_dir,
		.max_files = env.pcap_max_files,
		.max_bytes = env.pcap_max_bytes,
		.wall_offset_ns = co->wall_offset_ns,
	};

	run.pkts = pktbuf_new(env.max_conns, PCAP_BUFFER_BYTES, env.cfg.pkt_max);
	run.pcap = run.pkts ? out_pcap_new(&po, run.pkts) : NULL;
	if (!run.pcap) {
		pr_err("out of memory");
		return -1;
	}
	co->packet = pktbuf_add;
	co->packet_ctx = run.pkts;
	return 0;
}

/* At the end: what --pcap-dir wrote and lost (the textfile has it by cause). */
static void pcap_said(void)
{
	struct out_pcap_stats ps;
	uint64_t lost = 0;
	int i;

	out_pcap_stats(run.pcap, &ps);
	for (i = 0; i < OUT_PCAP_ERR_MAX; i++)
		lost += ps.errors[i];
	pr_info("--pcap-dir %s: %llu captures of failures written, %llu lost, %llu without frames",
		env.pcap_dir, (unsigned long long)ps.written, (unsigned long long)lost,
		(unsigned long long)ps.no_packets);
}

int outputs_open(void)
{
	struct collector_opts co = {
		.max_conns = env.max_conns,
		.max_servers = 16384,
		.handshake_timeout = env.handshake_timeout,
	};
	struct timespec rt, bt;
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
		return EXIT_RUNTIME;
	}
	if (env.verify) {
		struct verify_opts vo = {
			.interval_s = env.verify_interval,
			.timeout_ms = env.verify_timeout * 1000,
			.max_probes = env.verify_probes,
			.rate_ms = 1000,
		};

		run.verify = verify_new(&vo);
		if (!run.verify) {
			pr_err("out of memory");
			return EXIT_RUNTIME;
		}
		co.annotate = annotate_verified;
		co.annotate_ctx = run.verify;
		co.hold = hold_for_verify;
		co.hold_ctx = run.verify;
		/* every probe of a verification, each to its timeout, and a margin */
		co.hold_ns = ((uint64_t)env.verify_probes * env.verify_timeout + 2) * 1000000000ull;
	}
	/* live: which program of this host made each handshake (the hooks load with the datapath) */
	if (!env.read_path && !env.no_process) {
		co.identify = local_identify;
		if (local_filter_any(&env.filter))
			co.keep = local_keep;
	}
	if (env.pcap_dir && pcap_open(&co))
		return EXIT_RUNTIME;
	run.col = collector_new(&co);
	if (!run.col) {
		pr_err("out of memory");
		return EXIT_RUNTIME;
	}
	if (run.policy || env.dashboard) {
		/* the report takes standard output (records only to --log), or the dashboard's w */
		run.offers = offers_new(0);
		if (add_sink(offers_record, run.offers))
			return EXIT_RUNTIME;
		if (!env.read_path && !env.dashboard)
			pr_info("--what-if: a report every %u s (0: none), on SIGUSR1 and when tlsmon "
				"stops (SIGINT, SIGTERM)", env.what_if_interval);
		/* libssl reads its configuration now, not under the sandbox at the first w */
		if (!run.policy)
			what_if_warm();
	}
	if (env.json && !run.policy) {
		run.json = out_json_open(NULL, err, sizeof(err));
		if (run.json) {
			out_json_set_record(run.json, out_ecs_format_writer(env.json_format));
			out_json_set_verified(run.json,
					      out_ecs_format_verified_writer(env.json_format));
		}
		if (add_sink(out_json_write, run.json))
			return EXIT_RUNTIME;
	}
	if (env.log_path) {
		run.log = out_json_open(env.log_path, err, sizeof(err));
		if (!run.log) {
			pr_err("%s", err);
			return EXIT_RUNTIME;
		}
		out_json_set_record(run.log, out_ecs_format_writer(env.json_format));
		out_json_set_verified(run.log, out_ecs_format_verified_writer(env.json_format));
		if (add_sink(out_json_write, run.log))
			return EXIT_RUNTIME;
	}
	if (env.dashboard) {
		run.dash = dash_model_new();
		if (add_sink(dash_model_record, run.dash))
			return EXIT_RUNTIME;
	}
	if (!env.json && !env.dashboard && !run.policy) {
		run.text = out_text_new(STDOUT_FILENO, env.all);
		if (add_sink(out_text_record, run.text))
			return EXIT_RUNTIME;
	}
	/* after the outputs: a record is printed before its verification is asked for */
	if (run.verify && add_sink(verify_record, run.verify))
		return EXIT_RUNTIME;
	if (!env.no_textfile && (env.textfile_dir || !env.read_path)) {
		run.agg = agg_new(&env.agg);
		run.prom = run.agg ? out_prom_new(env.textfile_dir ?: OUT_PROM_DEFAULT_DIR, run.agg) : NULL;
		if (run.prom)
			out_prom_process_labels(run.prom, !env.no_process_labels);
		if (add_sink(agg_record, run.prom ? run.agg : NULL))
			return EXIT_RUNTIME;
	}
	if (run.pcap && add_sink(out_pcap_record, run.pcap))
		return EXIT_RUNTIME;
	return 0;
}

/* At the end, on standard error: what an output could not write, if anything. */
static void lost_lines(const char *what, const struct linefile_stats *ls, const char *unit)
{
	if (ls->failed)
		pr_warn("%s: %llu of %llu %s could not be written whole and were dropped", what,
			(unsigned long long)ls->failed,
			(unsigned long long)(ls->failed + ls->written), unit);
}

void outputs_close(void)
{
	struct run_stats st;

	/* the terminal first: whatever is printed next must be readable */
	dashboard_close(run.view);
	run.view = NULL;
	if (run.dash && env.what_if && run.offers)
		what_if_report(run.now_wall_ns);
	if (run.col && run.text) {
		gather_stats(&st);
		out_text_summary(run.text, &st);
	}
	if (run.json)
		lost_lines("--json (standard output)", out_json_stats(run.json), "records");
	if (run.log)
		lost_lines(env.log_path, out_json_stats(run.log), "records");
	if (run.text)
		lost_lines("standard output", out_text_stats(run.text), "lines");
	/* the worker first (a probe in progress ends within its timeout), then what it found */
	if (run.verify) {
		verify_stop(run.verify);
		verify_poll(run.verify, on_verified, NULL);
	}
	collector_free(run.col);
	verify_free(run.verify);
	run.verify = NULL;
	out_json_close(run.json);
	out_json_close(run.log);
	out_text_free(run.text);
	out_prom_free(run.prom);
	if (run.pcap)
		pcap_said();
	out_pcap_free(run.pcap);
	pktbuf_free(run.pkts);
	run.pcap = NULL;
	run.pkts = NULL;
	agg_free(run.agg);
	cert_fini();
	dash_model_free(run.dash);
	offers_free(run.offers);
	free(run.policy);
	run.offers = NULL;
	run.policy = NULL;
	jbuf_free(&out);
}

