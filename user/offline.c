// SPDX-License-Identifier: BSD-3-Clause
/*
 * Running offline: a capture's frames through the userspace build of the
 * datapath, on the capture's clock (timeouts included), then everything
 * still open settled at its end.
 */
#include <stdio.h>
#include <string.h>
#include "main.h"
#include "lib/log.h"
#include "model/collector.h"
#include "output/out_json.h"
#include "pipe/evpipe.h"
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

/* A thread of their own writes the records while the capture is read (best effort). */
static void writers_start(void)
{
	int e;

	if ((e = out_json_writer_start(run.json)) || (e = out_json_writer_start(run.log)))
		pr_debug("records written without a thread of their own: %s", strerror(-e));
}

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
		/* reassembly first: what it settles reaches the collector in this tick */
		if (ts > timeout_ns)
			evpipe_expire(run.pipe, ts - timeout_ns);
		if (run.col)
			collector_tick(run.col, ts);
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
	pcap_src_on_read(ps, records_out, NULL);
	/* without a buffer (out of memory) each record goes out alone, as live */
	out_json_buffer(run.json, RECORD_BUFFER);
	out_json_buffer(run.log, RECORD_BUFFER);
	if (main_drop_privileges())
		goto cleanup;
	/* as who we now are, before the system call filter (which then covers it too) */
	writers_start();
	du = dp_user_new(env.max_flows, evpipe_in, pipe);
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
	out_json_buffer(run.json, 0);
	out_json_buffer(run.log, 0);
	run.du = NULL;
	run.ps = NULL;
	dp_user_free(du);
	pcap_src_close(ps);
	return rc;
}
