// SPDX-License-Identifier: BSD-3-Clause
/*
 * Per-packet kernel cost of the XDP datapath (BPF_PROG_TEST_RUN), each case
 * against an empty XDP program timed in the same run on the same frame.
 *
 * Two methods, both alternating the empty program and tlsmon:
 *  repeat  one frame run --repeat times (>= 1M) in one call, timed by this
 *          thread's CPU time around the call: like the kernel's own timing
 *          it leaves out the time other tasks had the CPU, but resolves
 *          below 1 ns per packet (the kernel reports an integer average).  Only for cases whose state does
 *          not change from one run to the next; --rounds rounds, medians.
 *  single  repeat = 1, the kernel's timing of that one run, every run on a
 *          fresh flow; what a case needs first (the ClientHello before a
 *          ServerHello or an Alert) is done by runs that are not timed.
 *          --samples samples, medians; warm and cold (see bench_single()).
 * The counters and the events of every case are checked against what its
 * path must do (e.g. no flow lookup for application data on an untracked
 * flow), so a figure always measures the path it is named after.
 *
 * --pcap: the datapath as tlsmon --pcap-dir loads it (each tracked flow's
 * frames sent too, tlsmon's defaults): what the option costs when on.
 *
 * The floor (floor_* lines): bench/floor.bpf.c, which only ships the hello
 * (found, one clock read, reserved, copied, submitted), timed the same way
 * against the empty program on the hello cases' frames: the part of a hello
 * row that no datapath design removes here.
 *
 * Output: one tab-separated line per case and method (see print_header()).
 */
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "source/bpf_dp.h"
#include "dp_ctr.h"
#include "empty.skel.h"
#include "floor.skel.h"
#include "pipe/ev.h"
#include "net_parse.h"
#include "frames.h"
#include "tls_proto.h"
#include "util.h"

/*
 * Fresh flows between two resets of the datapath's state.  The flow table
 * is 4-way set-associative (65536 flows, 16384 sets): 8192 flows at random
 * would overflow a few sets and evict (counted, as in production), and a run
 * that evicts is not the run this bench times.  At 1024 a set overflows
 * about once in 10^8 batches.
 */
#define BATCH 1024
#define CISN 1000u
#define SISN 5000u

enum case_id {
	K_NON_TCP, K_ACK, K_NOT_TLS, K_APP, K_CH, K_CH_PQ, K_SH, K_ALERT, K_CH_FIN, K_SH_FIN, K_MAX
};

/* What one timed run must add to the counters and the events. */
struct expect {
	uint8_t ctr[TLSMON_C_MAX];
	uint8_t ev[TLSMON_EV_MAX];
};

/* counters in the tables: P, PAY, REC, EVS, FC, FD, LK from dp_ctr.h */
static const struct bcase {
	const char *id;
	const char *name;
	int stateful;		/* every run needs a fresh flow: single method only */
	int setup_ch;		/* a ClientHello on the flow first, not timed */
	const char *path;	/* what the checked counters prove */
	struct expect x;
} cases[K_MAX] = {
	/* the pre-filter (dp_prefilter): out before any counter, so none moves */
	[K_NON_TCP] = { "non_tcp", "non-TCP (UDP datagram)", 0, 0,
			"pre-filter: out on the first bytes, no map, nothing counted", { .ctr = { 0 } } },
	[K_ACK] = { "tcp_ack", "TCP without payload (ACK)", 0, 0,
		    "pre-filter: no payload, no SYN/FIN/RST; no map, nothing counted",
		    { .ctr = { 0 } } },
	[K_NOT_TLS] = { "not_tls", "TCP payload, not TLS (HTTP request)", 0, 0,
			"pre-filter: the hint array only, 0 flow lookups, nothing counted",
			{ .ctr = { 0 } } },
	[K_APP] = { "app_untracked", "TLS application data, untracked flow", 0, 0,
		    "pre-filter: the hint array only, 0 flow lookups, 0 stale hints",
		    { .ctr = { 0 } } },
	[K_CH] = { "ch", "ClientHello (~500 B)", 1, 0,
		   "flow created, record framed, the ClientHello shipped: 1 HELLO event",
		   { .ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 1, [FC] = 1, [LK] = 1 },
		     .ev = { [TLSMON_EV_CLIENT_HELLO] = 1 } } },
	[K_CH_PQ] = { "ch_pq", "ClientHello, post-quantum (~1.9 KB, one frame)", 1, 0,
		      "flow created, shipped whole from the kernel (no reassembly): 1 HELLO event",
		      { .ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 1, [FC] = 1, [LK] = 1 },
			.ev = { [TLSMON_EV_CLIENT_HELLO] = 1 } } },
	[K_SH] = { "sh", "ServerHello (TLS 1.3, tracked flow)", 1, 1,
		   "flow lookup, record framed, the ServerHello shipped: 1 HELLO event",
		   { .ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 1, [LK] = 1 },
		     .ev = { [TLSMON_EV_SERVER_HELLO] = 1 } } },
	[K_ALERT] = { "alert", "Alert, fatal (tracked flow)", 1, 1,
		      "flow lookup, ALERT + FLOW_END events, flow deleted",
		      { .ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 2, [LK] = 1, [FD] = 1 },
			.ev = { [TLSMON_EV_ALERT] = 1, [TLSMON_EV_FLOW_END] = 1 } } },
	[K_CH_FIN] = { "ch_fin", "ClientHello + FIN in one segment (self-cleaning)", 0, 0,
		       "flow created and deleted every run: HELLO (ClientHello), TCP_FIN carrying "
		       "the FLOW_END",
		       { .ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 2, [FC] = 1, [FD] = 1,
				  [LK] = 1 },
			 .ev = { [TLSMON_EV_CLIENT_HELLO] = 1, [TLSMON_EV_TCP_FIN] = 1,
				 [TLSMON_EV_FLOW_END] = 1 } } },
	[K_SH_FIN] = { "sh_fin", "ServerHello + FIN in one segment (self-cleaning)", 0, 0,
		       "flow created (server side) and deleted every run: HELLO (ServerHello), "
		       "TCP_FIN carrying the FLOW_END",
		       { .ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 2, [FC] = 1, [FD] = 1,
				  [LK] = 1 },
			 .ev = { [TLSMON_EV_SERVER_HELLO] = 1, [TLSMON_EV_TCP_FIN] = 1,
				 [TLSMON_EV_FLOW_END] = 1 } } },
};

/* What the setup ClientHello adds. */
static const struct expect setup_x = {
	.ctr = { [P] = 1, [PAY] = 1, [REC] = 1, [EVS] = 1, [FC] = 1, [LK] = 1 },
	.ev = { [TLSMON_EV_CLIENT_HELLO] = 1 },
};

static struct {
	struct bpf_dp *dp;
	int xdp_fd, empty_fd, floor_fd;
	struct floor_bpf *floor;
	struct ring_buffer *floor_rb;	/* the floor's ring buffer (drain thread) */
	uint64_t floor_read;		/* its records read back */
	uint64_t ev[TLSMON_EV_MAX];	/* events read back, by type (drain thread) */
	uint64_t ev_total;
	uint64_t hello_frames;		/* --pcap: frames that rode in their HELLO event */
	uint64_t ctr[TLSMON_C_MAX];	/* counters summed over resets */
	/* one reader of the ring at a time: bpf_dp_reset() reads it too */
	pthread_mutex_t ring_lock;
	volatile int stop;
} b = { .ring_lock = PTHREAD_MUTEX_INITIALIZER };

static struct fbuf pl_http, pl_app, pl_alert;

/*
 * --pcap: the datapath as --pcap-dir loads it (frames of tracked flows sent,
 * tlsmon's defaults).  The path checks then take the frames as they came:
 * as many PKT events as the kernel counted sent, each one event more in the
 * events total; how many a case sends is not one of its expectations.
 */
static int pcap_on;

static int tally(void *ctx, const void *ev, size_t size)
{
	const struct tlsmon_ev_hdr *h = ev;
	const struct tlsmon_ev_hello *he = ev;
	int type = size >= sizeof(*h) ? h->type : 0;
	struct tlsmon_ev_small two[2];

	(void)ctx;
	/* an RST or FIN that ended its flow is its FLOW_END too (one ring record) */
	if (!ev_check(ev, size) && ev_end_split(ev, two))
		__atomic_add_fetch(&b.ev[TLSMON_EV_FLOW_END], 1, __ATOMIC_RELAXED);
	/* a hello's bytes: tallied by what they are, as the expectations name them */
	if (type == TLSMON_EV_HELLO && size > TLSMON_HELLO_HDR) {
		if (he->head_len)
			__atomic_add_fetch(&b.hello_frames, 1, __ATOMIC_RELAXED);
		type = he->sslv2 || he->data[0] == TLS_HS_CLIENT_HELLO ? TLSMON_EV_CLIENT_HELLO
								       : TLSMON_EV_SERVER_HELLO;
	}
	if (type > 0 && type < TLSMON_EV_MAX)
		__atomic_add_fetch(&b.ev[type], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b.ev_total, 1, __ATOMIC_RELAXED);
	return 0;
}

static int floor_tally(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	__atomic_add_fetch(&b.floor_read, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Reads the ring buffers on the other CPU without blocking in epoll (so the
 * kernel never has a consumer to wake, as under load): back to back while
 * events come, 1 ms apart once it finds none.
 */
static void *drain(void *arg)
{
	int n;

	(void)arg;
	bench_pin(1);
	while (!b.stop) {
		pthread_mutex_lock(&b.ring_lock);
		n = bpf_dp_poll(b.dp, 0);
		n += ring_buffer__consume(b.floor_rb);
		pthread_mutex_unlock(&b.ring_lock);
		if (n <= 0)
			usleep(1000);
	}
	pthread_mutex_lock(&b.ring_lock);
	bpf_dp_poll(b.dp, 0);
	ring_buffer__consume(b.floor_rb);
	pthread_mutex_unlock(&b.ring_lock);
	return NULL;
}

/* Wait (bounded) until every event submitted so far has been read back. */
static int drain_sync(void)
{
	uint64_t c[TLSMON_C_MAX];
	int i;

	for (i = 0; i < 5000; i++) {
		bpf_dp_counters(b.dp, c);
		/* b.ctr: what earlier resets folded in, since the tally was cleared */
		if (__atomic_load_n(&b.ev_total, __ATOMIC_RELAXED) >=
		    b.ctr[TLSMON_C_EVENTS] + c[TLSMON_C_EVENTS])
			return 0;
		usleep(1000);
	}
	return -1;
}

/* Fold the counters into b.ctr, then forget flows, hints and counters. */
static void reset_state(void)
{
	uint64_t c[TLSMON_C_MAX];
	int i;

	if (drain_sync())
		fprintf(stderr, "bench_pkt: events not all read back in 5 s\n");
	bpf_dp_counters(b.dp, c);
	for (i = 0; i < TLSMON_C_MAX; i++)
		b.ctr[i] += c[i];
	pthread_mutex_lock(&b.ring_lock);
	bpf_dp_reset(b.dp);
	pthread_mutex_unlock(&b.ring_lock);
}

static void clear_tally(void)
{
	reset_state();
	memset(b.ctr, 0, sizeof(b.ctr));
	for (int i = 0; i < TLSMON_EV_MAX; i++)
		__atomic_store_n(&b.ev[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b.ev_total, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b.hello_frames, 0, __ATOMIC_RELAXED);
}

static void payloads_init(void)
{
	static const char http[] = "GET /index.html HTTP/1.1\r\nHost: www.example.org\r\n"
				   "User-Agent: bench/1.0\r\nAccept: */*\r\n\r\n";
	static const uint8_t alert[] = { TLS_CT_ALERT, 3, 3, 0, 2, TLS_ALERT_LEVEL_FATAL, 40 };
	uint8_t body[1395];

	fb_put(&pl_http, http, sizeof(http) - 1);
	/* a full-sized segment that starts with an application-data record */
	memset(body, 0xa5, sizeof(body));
	fb_rec_hdr(&pl_app, TLS_CT_APPLICATION_DATA, sizeof(body));
	fb_put(&pl_app, body, sizeof(body));
	fb_put(&pl_alert, alert, sizeof(alert));
}

/* The timed frame of case k for client i, and its untimed setup frame, if any. */
static void case_frames(enum case_id k, uint32_t i, struct fbuf *f, struct fbuf *setup)
{
	const struct fbuf *ch = frames_hello(HELLO_CH), *pq = frames_hello(HELLO_CH_PQ);
	const struct fbuf *sh = frames_hello(HELLO_SH);
	uint8_t pa = PKT_PSH | PKT_ACK;
	struct tuple t;

	frames_client(&t, i);
	setup->n = 0;
	if (cases[k].setup_ch)
		frames_tcp(setup, &t, 0, pa, CISN, SISN, ch->b, ch->n);
	switch (k) {
	case K_NON_TCP:
		frames_udp(f, &t, 64);
		break;
	case K_ACK:
		frames_tcp(f, &t, 0, PKT_ACK, CISN, SISN, NULL, 0);
		break;
	case K_NOT_TLS:
		frames_tcp(f, &t, 0, pa, CISN, SISN, pl_http.b, pl_http.n);
		break;
	case K_APP:
		frames_tcp(f, &t, 1, pa, SISN, CISN, pl_app.b, pl_app.n);
		break;
	case K_CH:
		frames_tcp(f, &t, 0, pa, CISN, SISN, ch->b, ch->n);
		break;
	case K_CH_PQ:
		frames_tcp(f, &t, 0, pa, CISN, SISN, pq->b, pq->n);
		break;
	case K_SH:
		frames_tcp(f, &t, 1, pa, SISN, CISN + ch->n, sh->b, sh->n);
		break;
	case K_ALERT:
		frames_tcp(f, &t, 1, pa, SISN, CISN + ch->n, pl_alert.b, pl_alert.n);
		break;
	case K_CH_FIN:
		frames_tcp(f, &t, 0, pa | PKT_FIN, CISN, SISN, ch->b, ch->n);
		break;
	case K_SH_FIN:
		frames_tcp(f, &t, 1, pa | PKT_FIN, SISN, CISN + ch->n, sh->b, sh->n);
		break;
	default:
		abort();
	}
}

/* One call: returns the kernel's duration (ns per run), or exits on error. */
static uint32_t run(int fd, const struct fbuf *f, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f->b, .data_size_in = f->n, .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &t)) {
		fprintf(stderr, "bench_pkt: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		exit(1);
	}
	if (t.retval != XDP_PASS) {
		fprintf(stderr, "bench_pkt: program returned %u, not XDP_PASS\n", t.retval);
		exit(1);
	}
	return t.duration;
}

/* One call of repeat runs, timed by this thread's CPU time: ns per run. */
static double run_timed(int fd, const struct fbuf *f, uint32_t repeat)
{
	uint64_t t0 = bench_thread_cpu();

	run(fd, f, repeat);
	return (double)(bench_thread_cpu() - t0) / repeat;
}

/* Counters and events against what runs timed runs and setups setup runs must add. */
static int check_path(enum case_id k, uint64_t runs, uint64_t setups, char *out, size_t len)
{
	const struct expect *x = &cases[k].x;
	size_t n = 0;
	int bad = 0, i;
	uint64_t rode;

	reset_state();
	/* frames sent in PKT events of their own; the others rode in their HELLO */
	rode = __atomic_load_n(&b.hello_frames, __ATOMIC_RELAXED);
	for (i = 0; i < TLSMON_C_MAX; i++) {
		uint64_t want = runs * x->ctr[i] + setups * setup_x.ctr[i];

		/* one per ClientHello event: a checked run loses none */
		if (i == TLSMON_C_CLIENT_HELLOS)
			want = runs * x->ev[TLSMON_EV_CLIENT_HELLO] +
			       setups * setup_x.ev[TLSMON_EV_CLIENT_HELLO];
		if (pcap_on && i == TLSMON_C_EVENTS)
			want += b.ctr[TLSMON_C_PKT_SHIPPED] - rode;
		if (pcap_on && (i == TLSMON_C_PKT_SHIPPED || i == TLSMON_C_PKT_CUT))
			continue;
		if (b.ctr[i] != want) {
			bad = 1;
			n += snprintf(out + n, n < len ? len - n : 0, "counter %d: %llu, want %llu; ",
				      i, (unsigned long long)b.ctr[i], (unsigned long long)want);
		}
	}
	for (i = 0; i < TLSMON_EV_MAX; i++) {
		uint64_t want = runs * x->ev[i] + setups * setup_x.ev[i];
		uint64_t got = __atomic_load_n(&b.ev[i], __ATOMIC_RELAXED);

		if (pcap_on && i == TLSMON_EV_PKT)
			want = b.ctr[TLSMON_C_PKT_SHIPPED] - rode;
		if (got != want) {
			bad = 1;
			n += snprintf(out + n, n < len ? len - n : 0, "event type %d: %llu, want %llu; ",
				      i, (unsigned long long)got, (unsigned long long)want);
		}
	}
	if (!bad)
		snprintf(out, len, "ok: %s%s (packets=%llu lookups=%llu events=%llu rb_fail=0)",
			 cases[k].path, pcap_on ? ", frames sent to --pcap-dir" : "",
			 (unsigned long long)b.ctr[P], (unsigned long long)b.ctr[LK],
			 (unsigned long long)b.ctr[EVS]);
	return bad;
}

static void print_header(void)
{
	printf("case\tname\tframe_bytes\tmethod\tn\ttlsmon_ns\tempty_ns\tover_ns\tratio\t"
	       "tlsmon_p25\ttlsmon_p75\tpath\n");
}

/* A repeat row: medians over the rounds (of the differences and ratios too). */
static void print_repeat(const char *id, const char *name, size_t frame, int rounds,
			 uint32_t repeat, double *tv, double *ev, double *ov, double *rv,
			 const char *bad, const char *path)
{
	printf("%s\t%s\t%zu\trepeat\t%d x %u\t%.1f\t%.1f\t%.1f\t%.3f\t%.1f\t%.1f\t%s%s\n", id, name,
	       frame, rounds, repeat, bench_median(tv, rounds), bench_median(ev, rounds),
	       bench_median(ov, rounds), bench_median(rv, rounds), bench_quantile(tv, rounds, 0.25),
	       bench_quantile(tv, rounds, 0.75), bad, path);
	fflush(stdout);
}

/* A single-run row: the medians of the samples, their difference and ratio. */
static void print_single(const char *id, const char *name, size_t frame, const char *method,
			 uint32_t samples, double *tv, double *ev, const char *bad, const char *path)
{
	double tm = bench_median(tv, samples), em = bench_median(ev, samples);

	printf("%s\t%s\t%zu\t%s\t%u\t%.1f\t%.1f\t%.1f\t%.3f\t%.1f\t%.1f\t%s%s\n", id, name, frame,
	       method, samples, tm, em, tm - em, tm / em, bench_quantile(tv, samples, 0.25),
	       bench_quantile(tv, samples, 0.75), bad, path);
	fflush(stdout);
}

static int bench_repeat(enum case_id k, uint32_t repeat, int rounds)
{
	double *tv = calloc(rounds, sizeof(double)), *ev = calloc(rounds, sizeof(double));
	double *ov = calloc(rounds, sizeof(double)), *rv = calloc(rounds, sizeof(double));
	struct fbuf f, setup;
	char path[1024];
	int r, bad;

	if (!tv || !ev || !ov || !rv)
		abort();
	case_frames(k, 0, &f, &setup);
	clear_tally();
	/* warm up both, untimed; counted in the path check */
	run(b.empty_fd, &f, 1000);
	run(b.xdp_fd, &f, 1000);
	for (r = 0; r < rounds; r++) {
		ev[r] = run_timed(b.empty_fd, &f, repeat);
		tv[r] = run_timed(b.xdp_fd, &f, repeat);
		ov[r] = tv[r] - ev[r];
		rv[r] = tv[r] / ev[r];
	}
	bad = check_path(k, (uint64_t)repeat * rounds + 1000, 0, path, sizeof(path));
	print_repeat(cases[k].id, cases[k].name, f.n, rounds, repeat, tv, ev, ov, rv,
		     bad ? "MISMATCH: " : "", path);
	free(tv);
	free(ev);
	free(ov);
	free(rv);
	return bad;
}

/*
 * warm: before each timed run, the same case runs untimed on another fresh
 * flow, so the code and the branch history are those of a host that just
 * saw such a packet; cold: the timed run follows only the harness (and the
 * setup hello), like a lone packet on a quiet host.
 */
static int bench_single(enum case_id k, uint32_t samples, int warm)
{
	double *tv = calloc(samples, sizeof(double)), *ev = calloc(samples, sizeof(double));
	struct fbuf f, setup, wf, wsetup;
	char path[1024];
	uint32_t i, setups = 0, runs = 0, slot;
	int bad;

	if (!tv || !ev)
		abort();
	clear_tally();
	for (i = 0, slot = 0; i < samples; i++) {
		/* a fresh flow per run (two when warm), forgotten every BATCH flows */
		if (slot + 2 > BATCH) {
			reset_state();
			slot = 0;
		}
		if (warm) {
			case_frames(k, slot++, &wf, &wsetup);
			if (wsetup.n) {
				run(b.xdp_fd, &wsetup, 1);
				setups++;
			}
			run(b.xdp_fd, &wf, 1);
			run(b.empty_fd, &wf, 1);
			runs++;
		}
		case_frames(k, slot++, &f, &setup);
		if (setup.n) {
			run(b.xdp_fd, &setup, 1);
			setups++;
		}
		/* alternate which program goes first, so neither always runs warmer */
		if (i & 1) {
			ev[i] = run(b.empty_fd, &f, 1);
			tv[i] = run(b.xdp_fd, &f, 1);
		} else {
			tv[i] = run(b.xdp_fd, &f, 1);
			ev[i] = run(b.empty_fd, &f, 1);
		}
		runs++;
	}
	bad = check_path(k, runs, setups, path, sizeof(path));
	print_single(cases[k].id, cases[k].name, f.n, warm ? "single-warm" : "single-cold", samples,
		     tv, ev, bad ? "MISMATCH: " : "", path);
	free(tv);
	free(ev);
	return bad;
}

/*
 * Where a hello's cost went: the datapath ships its bytes, the collector
 * parses them (ev_hello_parse(), the pipe's step).  Timed here on the same
 * hello, --repeat parses per round; the result must be the hello parsed.
 */
static int bench_parser(enum case_id k, uint32_t repeat, int rounds)
{
	static struct tlsmon_ev_hello e;
	static union ev_parsed out;
	static struct tlsp_ws ws;
	double *tv = calloc(rounds, sizeof(double));
	struct fbuf f, setup;
	struct np_meta m;
	uint32_t i, n = 0;
	uint64_t t0;
	int r, rc = 1;

	if (!tv)
		return 1;
	case_frames(k, 0, &f, &setup);
	/* the first record's first message, as dp_hello_ship ships it */
	if (np_parse(f.b, f.b + f.n, f.n, &m, 0) == NP_TCP && m.plen > TLS_RECORD_HDR_LEN + 4)
		n = TLS_HS_HDR_LEN + tlsp_u24(f.b + m.poff + TLS_RECORD_HDR_LEN, 1);
	if (!n || n > TLSMON_HELLO_MAX || n > m.plen - TLS_RECORD_HDR_LEN) {
		fprintf(stderr, "bench_pkt: no hello in the %s frame\n", cases[k].id);
		goto out;
	}
	e.h.version = TLSMON_EVENT_VERSION;
	e.h.type = TLSMON_EV_HELLO;
	e.h.size = TLSMON_HELLO_HDR + n;
	e.rec_version = tlsp_u16(f.b + m.poff, 1);
	e.len = n;
	memcpy(e.data, f.b + m.poff + TLS_RECORD_HDR_LEN, n);
	for (r = 0; r < rounds; r++) {
		t0 = bench_thread_cpu();
		for (i = 0; i < repeat; i++) {
			ev_hello_parse(&e, &out, &ws);
			__asm__ __volatile__("" : : "r"(&out) : "memory");
		}
		tv[r] = (double)(bench_thread_cpu() - t0) / repeat;
	}
	rc = out.h.type != (k == K_SH ? TLSMON_EV_SERVER_HELLO : TLSMON_EV_CLIENT_HELLO);
	printf("parse_%s\t%s: collector's parse\t%u\trepeat\t%d x %u\t%.1f\t0\t%.1f\t0\t%.1f\t"
	       "%.1f\t%s: ev_hello_parse() in the collector, on the hello's %u bytes\n",
	       cases[k].id, cases[k].name, n, rounds, repeat, bench_median(tv, rounds),
	       bench_median(tv, rounds), bench_quantile(tv, rounds, 0.25),
	       bench_quantile(tv, rounds, 0.75), rc ? "MISMATCH" : "ok", n);
	fflush(stdout);
out:
	free(tv);
	return rc;
}

/* Wait (bounded) until the floor's records are all read back: 0, or -1. */
static int floor_sync(uint64_t made)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(&b.floor_read, __ATOMIC_RELAXED) >= made)
			return 0;
		usleep(1000);
	}
	return -1;
}

/*
 * The floor's repeat runs, ns per run: in calls whose records all fit in
 * its ring buffer, each read back before the next (untimed).  Made back to
 * back in one call, they outrun the reader: the ring fills, a run loses its
 * record, and the next ones write lines the reader has just freed, still in
 * cache, which tlsmon's runs (whose reader keeps up) never do.  made: the
 * records made before.
 */
#define FLOOR_CALL 8192		/* records of at most 1 KiB + header: 8.5 MiB of 16 */
static double floor_repeat(const struct fbuf *f, uint32_t repeat, uint64_t made)
{
	uint32_t done = 0, n;
	double ns = 0;

	while (done < repeat) {
		n = repeat - done < FLOOR_CALL ? repeat - done : FLOOR_CALL;
		ns += run_timed(b.floor_fd, f, n) * n;
		done += n;
		floor_sync(made + done);
	}
	return ns / repeat;
}

/*
 * The floor on case k's frame, timed as bench_repeat() (repeat: when
 * with_repeat) and bench_single() (warm) time tlsmon, against the empty
 * program; it keeps no state, so both fit every hello case.  Every record
 * it made must have been read back and none lost (a lost one took a shorter
 * path: the figure would not be the floor's).  Repeat is for the hellos the
 * self-cleaning rows carry: at a post-quantum hello per run back to back,
 * the reader falls behind.
 */
static int bench_floor(enum case_id k, uint32_t repeat, int rounds, uint32_t samples,
		       int with_repeat)
{
	uint32_t nr = (uint32_t)rounds > samples ? (uint32_t)rounds : samples, i;
	double *tv = calloc(nr, sizeof(double)), *ev = calloc(nr, sizeof(double));
	double *ov = calloc(nr, sizeof(double)), *rv = calloc(nr, sizeof(double));
	struct fbuf f, setup, wf, wsetup;
	uint64_t made, lost;
	char path[256], id[64], name[128];
	int r, bad = 0;

	if (!tv || !ev || !ov || !rv)
		abort();
	for (int m = with_repeat ? 0 : 1; m < 2; m++) {
		__atomic_store_n(&b.floor_read, 0, __ATOMIC_RELAXED);
		b.floor->bss->floor_lost = 0;
		if (m == 0) {
			case_frames(k, 0, &f, &setup);
			run(b.floor_fd, &f, 1000);
			for (r = 0; r < rounds; r++) {
				ev[r] = run_timed(b.empty_fd, &f, repeat);
				tv[r] = floor_repeat(&f, repeat, 1000 + (uint64_t)repeat * r);
				ov[r] = tv[r] - ev[r];
				rv[r] = tv[r] / ev[r];
			}
			made = 1000 + (uint64_t)repeat * rounds;
		} else {
			for (i = 0; i < samples; i++) {
				/* warm: the case's frame just ran on another flow */
				case_frames(k, (2 * i) % BATCH, &wf, &wsetup);
				run(b.floor_fd, &wf, 1);
				case_frames(k, (2 * i + 1) % BATCH, &f, &setup);
				if (i & 1) {
					ev[i] = run(b.empty_fd, &f, 1);
					tv[i] = run(b.floor_fd, &f, 1);
				} else {
					tv[i] = run(b.floor_fd, &f, 1);
					ev[i] = run(b.empty_fd, &f, 1);
				}
			}
			made = 2 * (uint64_t)samples;
		}
		r = floor_sync(made);
		lost = b.floor->bss->floor_lost;
		bad |= r || lost;
		snprintf(path, sizeof(path), "%s: the hello shipped and nothing else: %llu records "
			 "read back of %llu, %llu lost", r || lost ? "MISMATCH" : "ok",
			 (unsigned long long)__atomic_load_n(&b.floor_read, __ATOMIC_RELAXED),
			 (unsigned long long)made, (unsigned long long)lost);
		snprintf(id, sizeof(id), "floor_%s", cases[k].id);
		snprintf(name, sizeof(name), "%s: the floor", cases[k].name);
		if (m == 0)
			print_repeat(id, name, f.n, rounds, repeat, tv, ev, ov, rv, "", path);
		else
			print_single(id, name, f.n, "single-warm", samples, tv, ev, "", path);
	}
	free(tv);
	free(ev);
	free(ov);
	free(rv);
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_pkt [--repeat N] [--rounds N] [--samples N] [--case ID] "
		"[--pcap] [--list]\n"
		"  --case floor_ID: the floor program on case ID's frame\n"
		"  --lines FILE: where the JIT put tlsmon_xdp's source lines, for a profile\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "samples", required_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "case", required_argument, NULL, 'c' },
		{ "pcap", no_argument, NULL, 'p' },
		{ "lines", required_argument, NULL, 'L' },
		{ 0 },
	};
	const char *only = NULL, *lines = NULL;
	/* tlsmon's live settings: its default ring buffer, woken as live.c has it */
	struct bpf_dp_opts o = { .cfg = TLSMON_DP_CFG_DEFAULT, .ringbuf_bytes = 16 << 20 };
	uint32_t repeat = 1000000, samples = 20000;
	int rounds = 7, c, bad = 0, k;
	struct empty_bpf *empty;
	pthread_t th;
	char err[512];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			repeat = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		case 's':
			samples = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			only = optarg;
			break;
		case 'p':
			pcap_on = 1;	/* tlsmon's --pcap-dir defaults (user/main.c) */
			o.cfg.pkt_max = 64;
			o.cfg.pkt_snap = 128;
			break;
		case 'L':
			lines = optarg;
			break;
		case 'l':
			for (k = 0; k < K_MAX; k++)
				printf("%s\t%s\t%s\n", cases[k].id, cases[k].name, cases[k].path);
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (!repeat || rounds < 1 || !samples) {
		usage();
		return 2;
	}
	if (frames_init())
		return 1;
	payloads_init();
	o.cfg.wake_bytes = BPF_DP_WAKE_BYTES(o.ringbuf_bytes);
	if (bpf_dp_open(&b.dp, &o, tally, NULL, err, sizeof(err))) {
		fprintf(stderr, "bench_pkt: %s\n", err);
		return 1;
	}
	empty = empty_bpf__open_and_load();
	if (!empty) {
		fprintf(stderr, "bench_pkt: cannot load the empty XDP program: %s\n",
			strerror(errno));
		bpf_dp_close(b.dp);
		return 1;
	}
	b.floor = floor_bpf__open_and_load();
	b.floor_rb = b.floor ? ring_buffer__new(bpf_map__fd(b.floor->maps.floor_events),
						floor_tally, NULL, NULL) : NULL;
	if (!b.floor_rb) {
		fprintf(stderr, "bench_pkt: cannot load the floor program: %s\n", strerror(errno));
		floor_bpf__destroy(b.floor);
		empty_bpf__destroy(empty);
		bpf_dp_close(b.dp);
		return 1;
	}
	b.xdp_fd = bpf_dp_prog_fd(b.dp, "tlsmon_xdp");
	b.empty_fd = bpf_program__fd(empty->progs.bench_empty);
	b.floor_fd = bpf_program__fd(b.floor->progs.bench_floor);
	if (lines && (c = bench_prog_lines(b.xdp_fd, lines)) < 0)
		fprintf(stderr, "bench_pkt: no line table of tlsmon_xdp for %s: %s\n", lines,
			strerror(-c));
	/* the programs run on the CPU that calls BPF_PROG_TEST_RUN: keep it the same one */
	bench_pin(0);
	if (pthread_create(&th, NULL, drain, NULL)) {
		fprintf(stderr, "bench_pkt: cannot start the ring buffer reader\n");
		return 1;
	}
	print_header();
	if (only) {
		/* one case alone, for a profile: repeat when it can, else single runs */
		int floor = !strncmp(only, "floor_", 6);

		for (k = 0; k < K_MAX && strcmp(cases[k].id, only + (floor ? 6 : 0)); k++)
			;
		if (floor && k < K_MAX) {
			bad = bench_floor(k, repeat, rounds, samples, k != K_CH_PQ);
			goto out;
		}
		if (k == K_MAX) {
			fprintf(stderr, "bench_pkt: no case %s (--list)\n", only);
			bad = 1;
		} else if (!cases[k].stateful) {
			bad |= bench_repeat(k, repeat, rounds);
		} else {
			bad |= bench_single(k, samples, 1);
		}
		goto out;
	}
	for (k = 0; k < K_MAX; k++)
		if (!cases[k].stateful)
			bad |= bench_repeat(k, repeat, rounds);
	for (k = 0; k < K_MAX; k++) {
		bad |= bench_single(k, samples, 1);
		bad |= bench_single(k, samples, 0);
	}
	bad |= bench_parser(K_CH, repeat, rounds);
	bad |= bench_parser(K_CH_PQ, repeat, rounds);
	bad |= bench_parser(K_SH, repeat, rounds);
	if (!pcap_on) {
		bad |= bench_floor(K_CH, repeat, rounds, samples, 1);
		bad |= bench_floor(K_CH_PQ, repeat, rounds, samples, 0);
		bad |= bench_floor(K_SH, repeat, rounds, samples, 1);
	}
out:
	b.stop = 1;
	pthread_join(th, NULL);
	ring_buffer__free(b.floor_rb);
	floor_bpf__destroy(b.floor);
	empty_bpf__destroy(empty);
	bpf_dp_close(b.dp);
	return bad;
}
