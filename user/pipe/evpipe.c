// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <string.h>
#include "pipe/ev.h"
#include "pipe/evpipe.h"
#include "tlsmon.h"

/* Reassembly caps: streams open at once, bytes each (the datapath's budget
 * per side is 32 KiB by default), bytes in all. */
#define REASM_STREAMS 4096
#define REASM_STREAM_BYTES (64 * 1024)
/*
 * QUIC connections followed at once (the datapath sends a few datagrams
 * each), the least recent pushed out past it or past EVPIPE_QUIC_BYTES
 * (counted).  A connection is ~300 bytes once its hellos are read; until
 * then its CRYPTO buffers take what the hellos need (2.3 KB for a
 * post-quantum ClientHello, 18.5 KB at most).
 */
#define QUIC_CONNS 4096

/* What reassembly rebuilds goes on to the output, counted for the accounting. */
static int from_reasm(void *ctx, const void *ev, size_t size)
{
	struct evpipe *p = ctx;
	const struct tlsmon_ev_hdr *h = ev;

	if (size >= sizeof(*h) && h->type == TLSMON_EV_CLIENT_HELLO)
		p->reasm_client_hellos++;
	return p->out(p->out_ctx, ev, size);
}

int evpipe_init(struct evpipe *p, ev_sink out, void *out_ctx, int pass_blobs)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->out_ctx = out_ctx;
	p->pass_blobs = pass_blobs;
	p->reasm = reasm_new(REASM_STREAMS, REASM_STREAM_BYTES, EVPIPE_REASM_BYTES, from_reasm, p);
	p->quic = quic_track_new(QUIC_CONNS, EVPIPE_QUIC_BYTES, out, out_ctx);
	if (!p->reasm || !p->quic) {
		evpipe_fini(p);
		return -ENOMEM;
	}
	return 0;
}

void evpipe_fini(struct evpipe *p)
{
	reasm_free(p->reasm);
	p->reasm = NULL;
	quic_track_free(p->quic);
	p->quic = NULL;
}

int evpipe_in(void *ctx, const void *ev, size_t size)
{
	struct evpipe *p = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	struct tlsmon_ev_small two[2];
	int r = 0, r2;

	if (ev_check(ev, size)) {
		p->malformed++;
		return 0;
	}
	p->events++;
	switch (h->type) {
	case TLSMON_EV_HELLO:
		if (p->hello_tap)
			p->hello_tap(p->hello_tap_ctx, ev, size);
		size = ev_hello_parse(ev, &p->hello, &p->ws);
		if (p->hello.h.type == TLSMON_EV_PARSE_ERROR) {
			if (p->hello.sm.hs_type == TLS_HS_SERVER_HELLO)
				p->sh_parse_errors++;
			else
				p->ch_parse_errors++;
		}
		return p->out(p->out_ctx, &p->hello, size);
	case TLSMON_EV_QUIC:
		/* a pipe set up by hand (the fuzzers) may follow no QUIC */
		return p->quic ? quic_track_datagram(p->quic, ev) : 0;
	case TLSMON_EV_BLOB:
		reasm_blob(p->reasm, ev);
		if (!p->pass_blobs)
			return 0;
		break;
	case TLSMON_EV_TCP_RST:
	case TLSMON_EV_TCP_FIN:
		if (!ev_end_split(ev, two))
			break;
		/* one that ended its flow: the event, then its FLOW_END */
		r = p->out(p->out_ctx, &two[0], sizeof(two[0]));
		ev = &two[1];
		size = sizeof(two[1]);
		h = ev;
		/* fall through */
	case TLSMON_EV_FLOW_END:
		/* what stayed incomplete is reported before the end itself */
		reasm_flow_end(p->reasm, h);
		break;
	}
	r2 = p->out(p->out_ctx, ev, size);
	return r ? r : r2;
}

void evpipe_expire(struct evpipe *p, uint64_t cutoff_ns)
{
	if (p->reasm)
		reasm_expire(p->reasm, cutoff_ns);
}
