// SPDX-License-Identifier: BSD-3-Clause
/*
 * Kernel against userspace: every capture of the corpus is replayed frame by
 * frame through the loaded XDP program (BPF_PROG_TEST_RUN) and through the
 * userspace build of the same handler; the two event streams must be equal
 * byte for byte, apart from the timestamp, interface and hook.  Then the
 * kernel's events, each given its frame's capture time, go through the
 * collector: its records must equal, field by field, what offline mode makes
 * of the capture (the whole userspace pipeline, replay_capture()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "source/bpf_dp.h"
#include "corpus.h"
#include "evlist.h"
#include "source/dp_user.h"
#include "output/ev_json.h"
#include "source/pcap_src.h"
#include "replay.h"

/* the two runs differ legitimately in timestamp, interface and hook only */
static struct evlist kern = { .neutral = 1, .raw = 1 }, user = { .neutral = 1, .raw = 1 };
static struct bpf_dp *dp;
static char open_err[512];

struct run {
	struct dp_user *du;
	uint64_t *ts;		/* capture time by frame number */
	size_t nts;
	int err;
	char msg[512];
};

static int on_frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		    uint32_t wire_len)
{
	struct run *r = ctx;
	int rc;

	(void)wire_len;
	kern.cur_frame = user.cur_frame = no;
	if (no >= r->nts) {
		size_t n = no * 2 + 64;

		r->ts = realloc(r->ts, n * sizeof(*r->ts));
		if (!r->ts)
			abort();
		memset(r->ts + r->nts, 0, (n - r->nts) * sizeof(*r->ts));
		r->nts = n;
	}
	r->ts[no] = ts;
	dp_user_frame(r->du, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	rc = bpf_dp_test_run(dp, "tlsmon_xdp", eth, len);
	if (rc != 2 /* XDP_PASS */ && !r->err) {
		r->err = 1;
		snprintf(r->msg, sizeof(r->msg), "frame %llu (%u bytes): XDP returned %d",
			 (unsigned long long)no, len, rc);
	}
	return 0;
}

static void show(const char *who, const struct evlist *l, size_t i)
{
	struct jbuf b;

	jbuf_init(&b);
	if (i < l->n) {
		ev_json(&b, l->ev[i], l->size[i]);
		print_error("  %s (frame %llu): %s\n", who, (unsigned long long)l->frame[i], b.s ?: "?");
	} else {
		print_error("  %s: no event\n", who);
	}
	jbuf_free(&b);
}

/* The records of the kernel's events against offline mode's, field by field. */
static void compare_records(const char *capture, const struct run *r)
{
	struct replay live, off;
	char err[512];
	size_t i;

	assert_int_equal(replay_events(&kern, r->ts, r->nts, 10.0, &live), 0);
	if (replay_capture(capture, 10.0, &off, err, sizeof(err)))
		fail_msg("%s", err);
	for (i = 0; i < live.n || i < off.n; i++) {
		if (i < live.n && i < off.n && !strcmp(live.v[i].json, off.v[i].json))
			continue;
		print_error("%s: record %zu differs (%zu from the kernel's events, %zu offline)\n"
			    "  kernel:  %s\n  offline: %s\n", capture, i, live.n, off.n,
			    i < live.n ? live.v[i].json : "(none)", i < off.n ? off.v[i].json : "(none)");
		replay_free(&live);
		replay_free(&off);
		fail();
	}
	printf("# %s: %zu identical records\n", capture, live.n);
	replay_free(&live);
	replay_free(&off);
}

static void test_capture(void **state)
{
	const char *capture = *state;
	struct run r = { 0 };
	struct pcap_src *ps;
	char err[512];
	size_t i;

	if (!dp)
		skip();
	bpf_dp_reset(dp);
	evlist_clear(&kern);
	evlist_clear(&user);
	r.du = dp_user_new(65536, evlist_collect, &user);
	assert_non_null(r.du);
	ps = pcap_src_open(capture, err, sizeof(err));
	if (!ps)
		fail_msg("%s", err);
	pcap_src_run(ps, on_frame, &r, err, sizeof(err));
	pcap_src_close(ps);
	dp_user_free(r.du);
	if (r.err)
		fail_msg("%s", r.msg);
	for (i = 0; i < kern.n || i < user.n; i++) {
		if (i < kern.n && i < user.n && kern.size[i] == user.size[i] &&
		    !memcmp(kern.ev[i], user.ev[i], kern.size[i]))
			continue;
		print_error("%s: event %zu differs (%zu kernel, %zu userspace events)\n", capture, i,
			    kern.n, user.n);
		show("kernel", &kern, i);
		show("userspace", &user, i);
		fail();
	}
	printf("# %s: %zu identical events\n", capture, kern.n);
	compare_records(capture, &r);
	free(r.ts);
}

static int setup(void **state)
{
	struct bpf_dp_opts o = { .max_flows = 65536, .ringbuf_bytes = 16 << 20,
				 .cfg = TLSMON_DP_CFG_DEFAULT };

	(void)state;
	if (bpf_dp_open(&dp, &o, evlist_collect, &kern, open_err, sizeof(open_err)))
		dp = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bpf_dp_close(dp);
	evlist_free(&kern);
	evlist_free(&user);
	return 0;
}

int main(void)
{
	size_t n = 0, i;
	char **caps = corpus_captures(&n);
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	int rc;

	if (geteuid() != 0) {
		printf("1..1\nok 1 - differential # SKIP needs root to load BPF programs\n");
		return 0;
	}
	for (i = 0; i < n; i++) {
		tests[i].name = caps[i] + strlen(corpus_dir()) + 1;
		tests[i].test_func = test_capture;
		tests[i].initial_state = caps[i];
	}
	if (!n) {
		fprintf(stderr, "no captures under %s (set TLSMON_CORPUS)\n", corpus_dir());
		return 1;
	}
	setup(NULL);
	if (!dp)
		fprintf(stderr, "cannot load the BPF programs: %s\n", open_err);
	rc = _cmocka_run_group_tests("differential", tests, n, NULL, NULL);
	if (!dp)
		rc = 1;
	teardown(NULL);
	corpus_free(caps);
	free(tests);
	return rc;
}
