// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_pcap: offline mode from the capture file on, as `tlsmon --read FILE
 * --json` runs it.
 *
 * What it tests:
 *  - user/source/pcap_src.c reading the input as a capture file (pcap, pcapng, or
 *    either gzip-compressed) through pcap_src_open_fd() on a memfd, so the
 *    gzip detection and inflation run too, and its framing of every link
 *    type it reads (Ethernet, SLL, SLL2, raw IP, BSD loopback);
 *  - the frames through the userspace datapath (user/source/dp_user.c), the evpipe
 *    (event checks, reassembly with evpipe_init's caps but 64 streams, QUIC
 *    connections likewise) and
 *    the collector, ticked on the capture's clock with the datapath's flows
 *    expired as main.c does, then flushed;
 *  - every record through the JSON and text outputs.
 *
 * Invariants (abort on violation): every frame read is delivered or counted
 * (unsupported, oversize); every record's JSON line is one valid JSON object
 * and its text line printable ASCII (tests/lib/out_check.h); UBSan holds the
 * datapath's header reads to their alignment, so frames must come with the
 * IP header 4-byte aligned.
 *
 * Expected input format: a capture file as written by tcpdump, tshark or
 * Wireshark, up to 16384 bytes (-max_len=16384).  Seeds:
 * tests/fuzz/corpus/pcap/, small captures from the corpus
 * (scripts/extract-fuzz-seeds.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "model/cert.h"
#include "model/collector.h"
#include "source/dp_user.h"
#include "pipe/evpipe.h"
#include "lib/log.h"
#include "source/pcap_src.h"
#include "../lib/out_check.h"

#define TIMEOUT_S 5.0		/* the handshake timeout, capture time */

/* Defined by replay_main.c only: the libFuzzer build sees a null address. */
extern const int fuzz_replay_mode __attribute__((weak));

struct run {
	struct dp_user *du;
	struct collector *col;
	struct jbuf jb;
	uint64_t last_ns, next_expire_ns;
	uint64_t records;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_pcap: %s: %s\n", what, why);
	abort();
}

static void on_record(void *ctx, const struct hs_record *r)
{
	struct run *x = ctx;
	const char *bad;

	x->records++;
	bad = oc_json_record(&x->jb, r);
	if (bad)
		die("JSON record", bad);
	bad = oc_text_record(r);
	if (bad)
		die("text line", bad);
}

/* main.c's feed(): the collector and the datapath's flows on the capture's clock. */
static int feed(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		uint32_t wire_len)
{
	struct run *x = ctx;
	uint64_t timeout_ns = TIMEOUT_S * 1e9;

	(void)no;
	(void)wire_len;
	dp_user_frame(x->du, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	if (ts > x->last_ns) {
		x->last_ns = ts;
		collector_tick(x->col, ts);
		if (ts >= x->next_expire_ns) {
			if (ts > timeout_ns + 2000000000ull)
				dp_user_expire(x->du, ts - timeout_ns - 2000000000ull);
			x->next_expire_ns = ts + 1000000000ull;
		}
	}
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);	/* a cut gzip stream warns on every run */
	if (cert_init(NULL, 64, err, sizeof(err)))
		die("cert_init", err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collector_opts co = {
		.max_conns = 64, .max_servers = 64, .handshake_timeout = TIMEOUT_S,
		.ifname = "fuzz.pcap",
	};
	const struct pcap_src_stats *st;
	struct rec_sink sink;
	struct pcap_src *ps;
	struct evpipe pipe;
	struct run x;
	char err[512];
	int fd;

	fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		die("memfd", "cannot hold the input");
	ps = pcap_src_open_fd(fd, "fuzz.pcap", err, sizeof(err));
	if (!ps) {
		if (!*err)
			die("pcap_src_open_fd", "failed without saying why");
		return 0;
	}
	memset(&x, 0, sizeof(x));
	jbuf_init(&x.jb);
	x.col = collector_new(&co);
	if (!x.col)
		die("setup", "out of memory");
	/* evpipe_init() but for 64 streams, not 4096: the hash table of 4096 set up for
	 * every input would cost a fifth of the time; a capture this small holds fewer */
	memset(&pipe, 0, sizeof(pipe));
	pipe.out = collector_event;
	pipe.out_ctx = x.col;
	pipe.reasm = reasm_new(64, 64 * 1024, 32ull << 20, collector_event, x.col);
	pipe.quic = quic_track_new(64, EVPIPE_QUIC_BYTES, collector_event, x.col);
	if (!pipe.reasm || !pipe.quic)
		die("setup", "out of memory");
	sink = (struct rec_sink){ on_record, &x };
	collector_add_sink(x.col, &sink);
	x.du = dp_user_new(256, evpipe_in, &pipe);
	if (!x.du)
		die("setup", "out of memory");

	pcap_src_run(ps, feed, &x, err, sizeof(err));
	collector_flush(x.col, x.last_ns);

	st = pcap_src_stats(ps);
	if (st->delivered + st->unsupported + st->oversize != st->frames)
		die("pcap_src", "frames neither delivered nor counted");
	if (&fuzz_replay_mode && fuzz_replay_mode && getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_pcap: %llu frames, %llu delivered, %llu records\n",
			(unsigned long long)st->frames, (unsigned long long)st->delivered,
			(unsigned long long)x.records);
	dp_user_free(x.du);
	evpipe_fini(&pipe);
	collector_free(x.col);
	jbuf_free(&x.jb);
	pcap_src_close(ps);
	return 0;
}
