// SPDX-License-Identifier: BSD-3-Clause
/*
 * Running live: load the datapath, watch for the interfaces going away,
 * attach, give up privileges, then read the ring buffer until a signal,
 * sweeping the kernel's idle flows and ticking the outputs as it goes.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "main.h"
#include "lib/log.h"
#include "lib/privs.h"
#include "model/collector.h"
#include "output/out_json.h"
#include "pipe/evpipe.h"
#include "source/bpf_dp.h"
#include "source/bpf_hook.h"
#include "source/ifaces.h"
#include "source/linkwatch.h"

/* what the records of a pass may take before they are written anyway */
#define LIVE_RECORD_BUFFER (256 * 1024)

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

int live_run(struct evpipe *pipe)
{
	struct iface ifs[TLSMON_MAX_IFACES];
	struct bpf_dp_opts dopts = {
		.max_flows = env.max_flows,
		.ringbuf_bytes = env.ringbuf_mb << 20,
		.cfg = env.cfg,
	};
	struct bpf_hook_opts hopts = {
		.xdp_mode = env.xdp_mode,
		.tc_ingress = env.tc_ingress,
		/* the path of kernels before TCX (6.6), forced for its test */
		.tc_netlink = tc_netlink_forced(),
	};
	struct bpf_hook_progs progs;
	struct bpf_hooks *hooks = NULL;
	struct bpf_dp *dp = NULL;
	struct linkwatch *lw = NULL;
	char err[512], gone[IF_NAMESIZE];
	uint64_t next_sweep, now, timeout_ns = env.handshake_timeout * 1e9;
	int64_t wall_offset;
	struct timespec rt;
	size_t len = 0;
	int i, n, e, rc = EXIT_RUNTIME, lost = -1;

	/* the reader is woken past an eighth of the ring, else reads at every poll */
	dopts.cfg.wake_bytes = BPF_DP_WAKE_BYTES(dopts.ringbuf_bytes);
	n = ifaces_resolve(env.ifaces, ifs, TLSMON_MAX_IFACES, err, sizeof(err));
	if (n < 0) {
		pr_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (!privs_bpf_capable())
		pr_warn("running without CAP_BPF: loading BPF programs will likely fail");
	/* Load & verify the BPF programs */
	e = bpf_dp_open(&dp, &dopts, evpipe_in, pipe, err, sizeof(err));
	if (e) {
		pr_err("%s", err);
		goto cleanup;
	}
	/* before attaching: a link deleted in between is not missed */
	lw = linkwatch_open(ifs, n, err, sizeof(err));
	if (!lw) {
		pr_err("%s", err);
		goto cleanup;
	}
	/* the socket hooks (tracing programs): before the datapath sees a connection;
	 * --events has no records to name */
	if (!env.no_process && !env.events && local_open(&env.filter))
		goto cleanup;
	/* Attach them */
	bpf_dp_hook_progs(dp, &progs);
	e = bpf_hook_attach(&hooks, &hopts, &progs, ifs, n, err, sizeof(err));
	if (e) {
		pr_err("%s", err);
		goto cleanup;
	}
	run.dp = dp;
	for (i = 0; i < n && len < sizeof(run.source); i++)
		len += snprintf(run.source + len, sizeof(run.source) - len, "%s%s", i ? "," : "",
				ifs[i].name);
	/* the user we become may not remove the lock files from root's directory */
	if (main_leaves_root()) {
		e = bpf_hook_lock_reaper(hooks);
		if (e)
			pr_warn("no helper to remove the lock files at exit (%s); the next tlsmon "
				"reuses them", strerror(-e));
	}
	if (main_drop_privileges())
		goto cleanup;
	e = bpf_dp_check_access(dp);
	if (e) {
		pr_err("without privileges this kernel refuses tlsmon its own BPF maps (%s): "
		       "kernels before 6.5 with kernel.unprivileged_bpf_disabled set need --no-drop",
		       strerror(-e));
		goto cleanup;
	}
	/* everything is open: the collector's own system calls only */
	if (main_enter_sandbox())
		goto cleanup;
	clock_gettime(CLOCK_REALTIME, &rt);
	wall_offset = (int64_t)rt.tv_sec * 1000000000ll + rt.tv_nsec - (int64_t)boottime_ns();
	next_sweep = boottime_ns() + 1000000000ull;
	/*
	 * The records of a pass of the loop below go out together at its end:
	 * a write() a pass instead of one a record, each line still whole.
	 */
	out_json_buffer(run.json, LIVE_RECORD_BUFFER);
	out_json_buffer(run.log, LIVE_RECORD_BUFFER);
	/* Read events until a signal, or until an interface goes away */
	while (!exiting) {
		e = bpf_dp_poll(dp, 100);
		if (e < 0) {
			pr_err("reading the ring buffer: %s", strerror(-e));
			goto cleanup;
		}
		/* --events lines are written buffered: out within a pass of this loop */
		fflush(stdout);
		now = boottime_ns();
		/* reassembly first: what it settles reaches the collector in this tick */
		if (now > timeout_ns)
			evpipe_expire(pipe, now - timeout_ns);
		if (run.col)
			collector_tick(run.col, now);
		if (now >= next_sweep) {
			/* the kernel's flows live a little longer than ours: late events still find them */
			bpf_dp_sweep(dp, now - timeout_ns - 2000000000ull, &run.flows);
			next_sweep = now + 1000000000ull;
		}
		outputs_tick(now + wall_offset, 0);
		if (reopen) {
			reopen = 0;
			e = run.log ? out_json_reopen(run.log) : 0;
			if (e)
				pr_warn("cannot reopen %s as %s: %s; still writing to the old file (that "
					"user must be able to create it: e.g. LogsDirectory= in the unit)",
					env.log_path, main_run_user(), strerror(-e));
			else if (run.log)
				pr_info("reopened %s", env.log_path);
		}
		out_json_flush(run.json);
		out_json_flush(run.log);
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
	evpipe_expire(pipe, UINT64_MAX);
	if (run.col)
		collector_flush(run.col, boottime_ns());
	outputs_tick(boottime_ns() + wall_offset, 1);
	out_json_buffer(run.json, 0);	/* what is kept goes out; one write a line again */
	out_json_buffer(run.log, 0);
	rc = lost >= 0 ? EXIT_IFACE_GONE : EXIT_OK;
cleanup:
	run.dp = NULL;
	local_close();
	bpf_hook_detach(hooks);
	bpf_dp_close(dp);
	linkwatch_close(lw);
	return rc;
}
