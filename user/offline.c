// SPDX-License-Identifier: BSD-3-Clause
/*
 * Running offline: a capture's frames through the userspace build of the
 * datapath, on the capture's clock (timeouts included), then everything
 * still open settled at its end.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include "main.h"
#include "lib/log.h"
#include "lib/thread.h"
#include "model/collector.h"
#include "model/fingerprint.h"
#include "output/names_memo.h"
#include "output/out_json.h"
#include "pipe/evpipe.h"
#include "pipe/evqueue.h"
#include "pipe/quic.h"
#include "source/dp_user.h"
#include "source/pcap_src.h"

static uint64_t last_frame_ns, next_expire_ns;

/*
 * Records are written a buffer at a time while reading: what the input read
 * so far gave goes out before each read of more (which may wait on a pipe),
 * and all of it before the end's summaries count the lines.
 */
#define RECORD_BUFFER (256 * 1024)

static void records_out(void *ctx)
{
	(void)ctx;
	out_json_hand_off(run.json);
	out_json_hand_off(run.log);
}

/*
 * More threads only where they can run at once: on one CPU (taskset, a
 * container's cpuset) they would take turns, and the hand-overs between
 * them would be all they add.
 */
static int cpus_to_run_on(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

/* A thread of their own writes the records while the capture is read (best effort). */
static void writers_start(void)
{
	int e;

	if ((e = out_json_writer_start(run.json)) || (e = out_json_writer_start(run.log)))
		pr_debug("records written without a thread of their own: %s", strerror(-e));
}

/*
 * With a second thread (offline_run): the datapath's events and the
 * capture clock's ticks go through a queue to the thread that runs the
 * pipe, the collector and the outputs, in the order they happen here.
 */
enum { MSG_EVENT, MSG_TICK, MSG_TICK_OUT, MSG_TICK_ALL /* both */ };
#define QUEUE_CHUNK (256 * 1024)
#define QUEUE_CHUNKS 8

static struct evqueue *queue;
static uint64_t queue_lost;	/* events too large for a chunk (none can be) */

static int queue_event(void *ctx, const void *ev, size_t size)
{
	(void)ctx;
	if (evqueue_put(queue, MSG_EVENT, 0, ev, size)) {
		queue_lost++;
		return -1;	/* counted as an event lost, as a full ring is */
	}
	return 0;
}

/* The pipe's and the collector's part of a tick: reassembly first, what it settles in this tick. */
static void tick(uint64_t ts)
{
	uint64_t timeout_ns = env.handshake_timeout * 1e9;

	if (ts > timeout_ns)
		evpipe_expire(run.pipe, ts - timeout_ns);
	if (run.col)
		collector_tick(run.col, ts);
}

static void take(void *ctx, uint32_t kind, uint64_t ts, const void *p, uint32_t len)
{
	(void)ctx;
	switch (kind) {
	case MSG_EVENT:
		evpipe_in(run.pipe, p, len);
		break;
	case MSG_TICK:
		tick(ts);
		break;
	case MSG_TICK_OUT:
		outputs_tick(ts, 0);
		break;
	case MSG_TICK_ALL:
		tick(ts);
		outputs_tick(ts, 0);
		break;
	}
}

static void *taker(void *arg)
{
	(void)arg;
	/* nothing to take for now: the records so far go out meanwhile */
	evqueue_run(queue, take, records_out, NULL);
	/* what this thread kept for itself goes with it */
	fingerprint_cache_free();
	names_memo_free();
	quic_thread_free();
	return NULL;
}

static int feed(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		uint32_t wire_len)
{
	uint64_t timeout_ns = env.handshake_timeout * 1e9;
	int sweep;

	(void)no;
	(void)wire_len;
	dp_user_frame(ctx, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	/* timeouts run on the capture's clock */
	if (ts > last_frame_ns) {
		last_frame_ns = ts;
		sweep = ts >= next_expire_ns;
		if (!queue)
			tick(ts);
		else	/* most ticks sweep nothing here: one message for both of its parts */
			evqueue_put(queue, sweep ? MSG_TICK : MSG_TICK_ALL, ts, NULL, 0);
		if (sweep) {
			/* as live: the datapath's flows outlive the collector's by 2 s */
			if (ts > timeout_ns + 2000000000ull)
				dp_user_expire(ctx, ts - timeout_ns - 2000000000ull);
			next_expire_ns = ts + 1000000000ull;
		}
		if (!queue)
			outputs_tick(ts, 0);
		else if (sweep)
			evqueue_put(queue, MSG_TICK_OUT, ts, NULL, 0);
	}
	return exiting;
}

/* Before each read of the input: what was read so far to the other thread, or its records out. */
static void before_read(void *ctx)
{
	if (queue)
		evqueue_hand_off(queue);
	else
		records_out(ctx);
}

/*
 * The second thread, where it changes nothing but the time taken: not for
 * --events (its writes' failures count in the datapath's counters) nor the
 * dashboard (it reads the datapath's counters as it goes).  Best effort.
 */
static pthread_t taker_thr;

static void taker_start(void)
{
	int e;

	if (env.events || run.dash)
		return;
	queue = evqueue_new(QUEUE_CHUNK, QUEUE_CHUNKS);
	if (!queue)
		return;
	e = thread_start(&taker_thr, "tlsmon-collect", taker, NULL);
	if (e) {
		pr_debug("the capture read without a second thread: %s", strerror(-e));
		evqueue_free(queue);
		queue = NULL;
	}
}

/* Everything put taken, the thread gone: the rest runs here, as without it. */
static void taker_stop(void)
{
	if (!queue)
		return;
	evqueue_close(queue);
	pthread_join(taker_thr, NULL);
	evqueue_free(queue);
	queue = NULL;
	/* its records out before anything this thread says next */
	out_json_flush(run.json);
	out_json_flush(run.log);
	if (queue_lost)
		pr_warn("%llu events lost between the threads", (unsigned long long)queue_lost);
}

int offline_run(struct evpipe *pipe)
{
	char err[512];
	struct pcap_src *ps = NULL;
	const struct pcap_src_stats *st;
	struct dp_user *du = NULL;
	int e, rc = EXIT_RUNTIME;

	ps = pcap_src_open(env.read_path, err, sizeof(err));
	if (!ps) {
		pr_err("%s", err);
		goto cleanup;
	}
	/* SIGINT, SIGTERM: also while records that deliver no frame stream in */
	pcap_src_stop_on(ps, &exiting);
	pcap_src_on_read(ps, before_read, NULL);
	/* without a buffer (out of memory) each record goes out alone, as live */
	out_json_buffer(run.json, RECORD_BUFFER);
	out_json_buffer(run.log, RECORD_BUFFER);
	if (main_drop_privileges())
		goto cleanup;
	/* as who we now are, before the system call filter (which then covers them too) */
	if (cpus_to_run_on() >= 2) {
		writers_start();
		taker_start();
	}
	du = dp_user_new(env.max_flows, queue ? queue_event : evpipe_in, pipe);
	if (!du) {
		pr_err("out of memory");
		goto cleanup;
	}
	*dp_user_cfg(du) = env.cfg;
	if (main_enter_sandbox())
		goto cleanup;
	run.du = du;
	run.ps = ps;
	snprintf(run.source, sizeof(run.source), "%s", env.read_path);
	e = pcap_src_run(ps, feed, du, err, sizeof(err));
	taker_stop();
	if (e)
		pr_warn("%s: %s", env.read_path, err);
	st = pcap_src_stats(ps);
	pr_info("%s: %llu frames (%s), %llu not read: %llu unsupported, %llu oversize; "
		"%llu cut by the snap length", env.read_path, (unsigned long long)st->frames,
		pcap_src_linktype(ps), (unsigned long long)(st->unsupported + st->oversize),
		(unsigned long long)st->unsupported, (unsigned long long)st->oversize,
		(unsigned long long)st->truncated);
	evpipe_expire(pipe, UINT64_MAX);
	if (run.col)
		collector_flush(run.col, last_frame_ns);
	/* every record out (and counted) before the last tick reports */
	out_json_buffer(run.json, 0);
	out_json_buffer(run.log, 0);
	outputs_tick(last_frame_ns, 1);
	rc = e ? EXIT_RUNTIME : EXIT_OK;
cleanup:
	taker_stop();
	out_json_buffer(run.json, 0);
	out_json_buffer(run.log, 0);
	run.du = NULL;
	run.ps = NULL;
	dp_user_free(du);
	pcap_src_close(ps);
	return rc;
}
