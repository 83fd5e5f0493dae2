// SPDX-License-Identifier: BSD-3-Clause
/*
 * Ring buffer + collector: the highest event rate the real consumer path
 * (ring buffer -> evpipe -> collector, the loop of run_live() in user/main.c)
 * sustains with zero drops.
 *
 * Setup: --flows handshakes through the real XDP program (ClientHello, then
 * ServerHello), so the collector follows that many connections; then one
 * TLS warning alert from each server, whose ALERT event (80 bytes) is kept
 * as that flow's template.
 *
 * Producer, pinned to CPU 0, paced to a target rate; one of:
 *  datapath  BPF_PROG_TEST_RUN of the real XDP program; each frame is one
 *            server segment of --per-frame warning alerts at the flow's next
 *            sequence number, so the datapath parses every record and submits
 *            one ALERT each.  Bounded by the datapath's own speed.
 *  replay    bench/ringgen.bpf.c re-submits the templates into tlsmon's ring
 *            buffer (the same map), --per-call per run (1024: the system
 *            call spread thin), round robin over the flows, waking the
 *            consumer by the datapath's rule: nearly free per event, so the
 *            consumer is the limit.
 * Consumer, pinned to CPU 1: bpf_dp_poll() into evpipe_in() -> the collector
 * (JSON records to /dev/null), collector_tick() and the flow sweep.
 *
 * A step runs one rate for --step seconds with tlsmon's default 16 MiB ring
 * buffer.  It passes when the producer's ring-buffer failures (the
 * datapath's TLSMON_C_RB_FAIL, or ringgen's count) stay 0 and the consumer
 * reads back every event submitted.  A search runs the unpaced producer
 * first (if nothing is lost, the producer is the bound), then bisects
 * between the highest passing and the lowest failing rate.  --searches
 * searches; the median is the result.
 *
 * Output: tab-separated "step", "search" and "result" lines.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "source/bpf_dp.h"
#include "model/collector.h"
#include "pipe/evpipe.h"
#include "frames.h"
#include "output/out_json.h"
#include "ringgen.skel.h"
#include "tls_proto.h"
#include "util.h"

#define CISN 1000u
#define SISN 5000u
#define MAX_PER_FRAME 31	/* the datapath walks at most 32 records per segment */
#define MAX_PER_CALL 65536
#define MAX_SEARCHES 16

enum producer { PROD_DATAPATH, PROD_REPLAY };

static struct {
	uint32_t flows;
	uint32_t per_frame;
	uint32_t per_call;	/* replay: events per BPF_PROG_TEST_RUN call */
	double step_s;
	int searches;
	enum producer producer;
} cfg = { .flows = 1024, .per_frame = 31, .per_call = 1024, .step_s = 2.0, .searches = 3 };

static struct {
	struct bpf_dp *dp;
	struct ringgen_bpf *gen;
	struct evpipe pipe;
	struct collector *col;
	struct out_json *json;
	int xdp_fd;
	uint32_t *next_seq;		/* per flow: the server's next sequence number */
	struct fbuf alerts;		/* the payload of every datapath frame */
	struct fbuf dummy;		/* ringgen's frame: any will do */
	uint32_t per_call;		/* events one producer call makes */
	uint64_t wake_bytes;		/* the datapath's wake threshold, ringgen's too */
	struct tlsmon_ev_small *tmpl;	/* per flow: its ALERT event */
	uint32_t n_tmpl;
	pthread_t consumer;
	clockid_t consumer_clock;
	pid_t consumer_tid;
	volatile int stop;
} r;

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The consumer: what run_live() does, minus attaching. */
static void *consume(void *arg)
{
	struct bpf_dp_flow_stats fs;
	uint64_t now, next_sweep = boottime_ns() + 1000000000ull;

	(void)arg;
	bench_pin(1);
	__atomic_store_n(&r.consumer_tid, gettid(), __ATOMIC_RELEASE);
	while (!r.stop) {
		if (bpf_dp_poll(r.dp, 100) < 0)
			break;
		now = boottime_ns();
		collector_tick(r.col, now);
		if (now >= next_sweep) {
			bpf_dp_sweep(r.dp, now - 12000000000ull, &fs);
			next_sweep = now + 1000000000ull;
		}
	}
	return NULL;
}

static uint64_t consumer_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(r.consumer_clock, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ns the consumer spent runnable but waiting for its CPU (schedstat). */
static uint64_t consumer_wait(void)
{
	unsigned long long run = 0, wait = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat",
		 __atomic_load_n(&r.consumer_tid, __ATOMIC_ACQUIRE));
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &wait) != 2)
		wait = 0;
	fclose(f);
	return wait;
}

static uint64_t consumed(void)
{
	return __atomic_load_n(&r.pipe.events, __ATOMIC_RELAXED);
}

/* During setup the sink keeps each flow's ALERT as its template. */
static int setup_sink(void *ctx, const void *ev, size_t size)
{
	const struct tlsmon_ev_hdr *h = ev;

	if (size >= sizeof(struct tlsmon_ev_small) && h->type == TLSMON_EV_ALERT &&
	    r.n_tmpl < cfg.flows)
		memcpy(&r.tmpl[r.n_tmpl++], ev, sizeof(struct tlsmon_ev_small));
	return evpipe_in(ctx, ev, size);
}

static void run_prog(int fd, const struct fbuf *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f->b, .data_size_in = f->n, .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &t)) {
		fprintf(stderr, "bench_ring: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		exit(1);
	}
}

/* Submitted and lost so far, by the producer's own count. */
static void produced(uint64_t *ok, uint64_t *lost)
{
	uint64_t c[TLSMON_C_MAX];

	bpf_dp_counters(r.dp, c);
	*ok = c[TLSMON_C_EVENTS];
	*lost = c[TLSMON_C_RB_FAIL];
	if (r.gen) {
		*ok += __atomic_load_n(&r.gen->bss->submitted, __ATOMIC_RELAXED);
		*lost += __atomic_load_n(&r.gen->bss->failed, __ATOMIC_RELAXED);
	}
}

/* Wait (bounded) until the consumer has read everything submitted. */
static int sync_consumer(void)
{
	uint64_t ok, lost;
	int i;

	for (i = 0; i < 1000; i++) {
		produced(&ok, &lost);
		if (consumed() >= ok)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* The next frame of flow i: per_frame warning alerts at its next sequence number. */
static void alert_frame(uint32_t i, struct fbuf *f)
{
	const struct fbuf *ch = frames_hello(HELLO_CH);
	struct tuple t;

	frames_client(&t, i);
	frames_tcp(f, &t, 1, PKT_PSH | PKT_ACK, r.next_seq[i], CISN + ch->n, r.alerts.b,
		   r.alerts.n);
	r.next_seq[i] += r.alerts.n;
}

/* Every flow: ClientHello, ServerHello, then one alert for its template. */
static int setup_flows(void)
{
	const struct fbuf *ch = frames_hello(HELLO_CH), *sh = frames_hello(HELLO_SH);
	static const uint8_t alert[] = { TLS_CT_ALERT, 3, 3, 0, 2, TLS_ALERT_LEVEL_WARNING, 0 };
	uint8_t pa = PKT_PSH | PKT_ACK;
	uint64_t c[TLSMON_C_MAX];
	struct fbuf f, one = { .n = 0 };
	struct tuple t;
	uint32_t i;

	fb_put(&one, alert, sizeof(alert));
	for (i = 0; i < cfg.flows; i++) {
		frames_client(&t, i);
		frames_tcp(&f, &t, 0, pa, CISN, SISN, ch->b, ch->n);
		run_prog(r.xdp_fd, &f);
		frames_tcp(&f, &t, 1, pa, SISN, CISN + ch->n, sh->b, sh->n);
		run_prog(r.xdp_fd, &f);
		frames_tcp(&f, &t, 1, pa, SISN + sh->n, CISN + ch->n, one.b, one.n);
		run_prog(r.xdp_fd, &f);
		r.next_seq[i] = SISN + sh->n + one.n;
	}
	if (sync_consumer())
		return -1;
	bpf_dp_counters(r.dp, c);
	if (c[TLSMON_C_FLOWS_CREATED] != cfg.flows || c[TLSMON_C_EVENTS] != 3ull * cfg.flows ||
	    r.n_tmpl != cfg.flows) {
		fprintf(stderr, "bench_ring: setup: %llu flows, %llu events, %u alerts; want %u, "
			"%u, %u\n", (unsigned long long)c[TLSMON_C_FLOWS_CREATED],
			(unsigned long long)c[TLSMON_C_EVENTS], r.n_tmpl, cfg.flows, 3 * cfg.flows,
			cfg.flows);
		return -1;
	}
	return 0;
}

/* ringgen: its ring buffer is tlsmon's, its templates the flows' alerts. */
static int setup_replay(void)
{
	uint32_t i;
	int e;

	r.gen = ringgen_bpf__open();
	if (!r.gen)
		return -errno;
	e = bpf_map__reuse_fd(r.gen->maps.events, bpf_dp_map_fd(r.dp, "events"));
	if (!e)
		e = ringgen_bpf__load(r.gen);
	if (e) {
		fprintf(stderr, "bench_ring: cannot load ringgen: %s\n", strerror(-e));
		return e;
	}
	for (i = 0; i < r.n_tmpl; i++) {
		e = bpf_map__update_elem(r.gen->maps.templates, &i, sizeof(i), &r.tmpl[i],
					 sizeof(r.tmpl[i]), BPF_ANY);
		if (e)
			return e;
	}
	r.gen->bss->n_templates = r.n_tmpl;
	r.gen->bss->per_run = r.per_call;
	r.gen->bss->wake_bytes = r.wake_bytes;
	memset(r.dummy.b, 0, 64);
	r.dummy.n = 64;
	return 0;
}

static void produce_one(uint64_t call)
{
	struct fbuf f;

	if (cfg.producer == PROD_REPLAY) {
		run_prog(bpf_program__fd(r.gen->progs.ringgen), &r.dummy);
		return;
	}
	alert_frame(call % cfg.flows, &f);
	run_prog(r.xdp_fd, &f);
}

struct step {
	double target;		/* events/s; 0: unpaced */
	double achieved;	/* events the producer tried to submit, per second */
	uint64_t submitted, dropped, read_back;
	double consumer_cpu;	/* consumer CPU time / step time */
	double consumer_wait;	/* consumer time waiting for its CPU / step time */
	double producer_cpu;	/* producer CPU time / step time */
	int pass;
};

static void run_step(struct step *s)
{
	uint64_t ok0, lost0, ok1, lost1, e0, cpu0, w0, p0, t0, now, calls = 0, due;
	uint64_t dur = (uint64_t)(cfg.step_s * 1e9);
	int i;

	sync_consumer();
	produced(&ok0, &lost0);
	e0 = consumed();
	cpu0 = consumer_cpu();
	w0 = consumer_wait();
	p0 = bench_thread_cpu();
	t0 = bench_now();
	for (;;) {
		now = bench_now() - t0;
		if (now >= dur)
			break;
		due = s->target ? (uint64_t)(now * 1e-9 * s->target / r.per_call) + 1 : calls + 1;
		if (calls >= due)
			continue;	/* ahead of the pace: spin, CPU 0 is the producer's */
		produce_one(calls++);
	}
	now = bench_now() - t0;
	s->producer_cpu = (double)(bench_thread_cpu() - p0) / now;
	produced(&ok1, &lost1);
	s->consumer_cpu = (double)(consumer_cpu() - cpu0) / now;
	s->consumer_wait = (double)(consumer_wait() - w0) / now;
	s->submitted = ok1 - ok0;
	s->dropped = lost1 - lost0;
	/* let the consumer finish what is in the ring (bounded) */
	for (i = 0; i < 500 && consumed() - e0 < s->submitted; i++)
		usleep(10000);
	s->read_back = consumed() - e0;
	s->achieved = (s->submitted + s->dropped) / (now * 1e-9);
	s->pass = s->dropped == 0 && s->read_back == s->submitted;
	printf("step\t%.0f\t%.0f\t%llu\t%llu\t%llu\t%.3f\t%.3f\t%.3f\t%s\n", s->target,
	       s->achieved, (unsigned long long)s->submitted, (unsigned long long)s->dropped,
	       (unsigned long long)s->read_back, s->consumer_cpu, s->consumer_wait,
	       s->producer_cpu, s->pass ? "pass" : "FAIL");
	fflush(stdout);
}

/*
 * One search: the highest rate that passed (the rate reached, which noise
 * on CPU 0 may put a little under the target).  *bound: the unpaced producer
 * lost nothing, so the consumer was never the limit.
 */
static double search(int *bound, double *cpu_at_best)
{
	struct step s = { 0 };
	double lo = 0, hi, mid;
	int i;

	*bound = 0;
	*cpu_at_best = 0;
	run_step(&s);
	if (s.pass) {
		*bound = 1;
		*cpu_at_best = s.consumer_cpu;
		return s.achieved;
	}
	hi = s.achieved;
	for (i = 0; i < 8 && hi - lo > 0.02 * hi; i++) {
		memset(&s, 0, sizeof(s));
		mid = lo ? (lo + hi) / 2 : hi / 2;
		s.target = mid;
		run_step(&s);
		if (s.pass) {
			lo = s.achieved < mid ? s.achieved : mid;
			*cpu_at_best = s.consumer_cpu;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "producer", required_argument, NULL, 'p' },
		{ "flows", required_argument, NULL, 'f' },
		{ "per-frame", required_argument, NULL, 'k' },
		{ "per-call", required_argument, NULL, 'c' },
		{ "step", required_argument, NULL, 't' },
		{ "searches", required_argument, NULL, 'n' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!strcmp(optarg, "datapath"))
				cfg.producer = PROD_DATAPATH;
			else if (!strcmp(optarg, "replay"))
				cfg.producer = PROD_REPLAY;
			else
				return -1;
			break;
		case 'f':
			cfg.flows = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			cfg.per_frame = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cfg.per_call = strtoul(optarg, NULL, 10);
			break;
		case 't':
			cfg.step_s = atof(optarg);
			break;
		case 'n':
			cfg.searches = atoi(optarg);
			break;
		default:
			return -1;
		}
	}
	if (!cfg.flows || cfg.flows > 4096 || !cfg.per_frame || cfg.per_frame > MAX_PER_FRAME ||
	    !cfg.per_call || cfg.per_call > MAX_PER_CALL ||
	    cfg.step_s <= 0 || cfg.searches < 1 || cfg.searches > MAX_SEARCHES)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t alert[] = { TLS_CT_ALERT, 3, 3, 0, 2, TLS_ALERT_LEVEL_WARNING, 0 };
	/* tlsmon's live settings: its default ring buffer, woken as live.c has it */
	struct bpf_dp_opts o = { .cfg = TLSMON_DP_CFG_DEFAULT, .ringbuf_bytes = 16 << 20 };
	struct collector_opts co = { .max_conns = 32768, .max_servers = 16384,
				     .handshake_timeout = 10 };
	double best[MAX_SEARCHES], cpu[MAX_SEARCHES], rate;
	int n, bounded[MAX_SEARCHES], nbound = 0, rc = 1, started = 0;
	struct rec_sink sink;
	char err[512];
	uint32_t i;

	if (parse_args(argc, argv)) {
		fprintf(stderr, "usage: bench_ring [--producer datapath|replay] [--flows 1-4096] "
			"[--per-frame 1-%d] [--per-call 1-%d] [--step S] [--searches 1-%d]\n",
			MAX_PER_FRAME, MAX_PER_CALL, MAX_SEARCHES);
		return 2;
	}
	if (frames_init())
		return 1;
	for (i = 0; i < cfg.per_frame; i++)
		fb_put(&r.alerts, alert, sizeof(alert));
	r.per_call = cfg.producer == PROD_REPLAY ? cfg.per_call : cfg.per_frame;
	r.next_seq = calloc(cfg.flows, sizeof(*r.next_seq));
	r.tmpl = calloc(cfg.flows, sizeof(*r.tmpl));
	r.col = collector_new(&co);
	r.json = out_json_open("/dev/null", err, sizeof(err));
	if (!r.next_seq || !r.tmpl || !r.col || !r.json ||
	    evpipe_init(&r.pipe, collector_event, r.col, 0)) {
		fprintf(stderr, "bench_ring: out of memory\n");
		return 1;
	}
	sink = (struct rec_sink){ out_json_write, r.json };
	collector_add_sink(r.col, &sink);
	o.cfg.wake_bytes = BPF_DP_WAKE_BYTES(o.ringbuf_bytes);
	r.wake_bytes = o.cfg.wake_bytes;
	if (bpf_dp_open(&r.dp, &o, setup_sink, &r.pipe, err, sizeof(err))) {
		fprintf(stderr, "bench_ring: %s\n", err);
		goto out;
	}
	r.xdp_fd = bpf_dp_prog_fd(r.dp, "tlsmon_xdp");
	bench_pin(0);
	if (pthread_create(&r.consumer, NULL, consume, NULL) ||
	    pthread_getcpuclockid(r.consumer, &r.consumer_clock)) {
		fprintf(stderr, "bench_ring: cannot start the consumer\n");
		goto out;
	}
	started = 1;
	if (setup_flows())
		goto out;
	if (cfg.producer == PROD_REPLAY && setup_replay())
		goto out;
	printf("# step\ttarget_ev_s\tachieved_ev_s\tsubmitted\tdropped\tread_back\t"
	       "consumer_cpu\tconsumer_wait\tproducer_cpu\tverdict\n");
	for (n = 0; n < cfg.searches; n++) {
		best[n] = search(&bounded[n], &cpu[n]);
		nbound += bounded[n];
		printf("search\t%d\t%.0f\t%s\t%.3f\n", n + 1, best[n],
		       bounded[n] ? "producer-bound" : "consumer-bound", cpu[n]);
		fflush(stdout);
	}
	qsort(best, cfg.searches, sizeof(double), cmp_double);
	rate = best[cfg.searches / 2];
	printf("result\t%s\t%.0f\t%d\t%d\t%u\t%u\t%.1f\n",
	       cfg.producer == PROD_REPLAY ? "replay" : "datapath", rate, nbound, cfg.searches,
	       cfg.flows, r.per_call, cfg.step_s);
	rc = 0;
out:
	if (started) {
		r.stop = 1;
		pthread_join(r.consumer, NULL);
	}
	ringgen_bpf__destroy(r.gen);
	bpf_dp_close(r.dp);
	evpipe_fini(&r.pipe);
	collector_free(r.col);
	out_json_close(r.json);
	free(r.next_seq);
	free(r.tmpl);
	return rc;
}
