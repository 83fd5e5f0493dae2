// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/collector.h"
#include "source/dp_user.h"
#include "model/record.h"
#include "pipe/evpipe.h"
#include "output/out_json.h"
#include "source/pcap_src.h"
#include "replay.h"
#include "evlist.h"

static void keep(void *ctx, const struct hs_record *r)
{
	struct replay *rp = ctx;
	struct replay_rec *x;
	struct jbuf b;

	if (rp->n == rp->cap) {
		rp->cap = rp->cap ? 2 * rp->cap : 16;
		rp->v = realloc(rp->v, rp->cap * sizeof(*rp->v));
	}
	x = &rp->v[rp->n++];
	memset(x, 0, sizeof(*x));
	x->r = *r;
	if (r->ch) {
		x->ch = *r->ch;
		x->r.ch = &x->ch;
	}
	if (r->sh) {
		x->sh = *r->sh;
		x->r.sh = &x->sh;
	}
	x->r.ch2 = NULL;
	x->r.ev.alert = NULL;
	jbuf_init(&b);
	out_json_record(&b, r);
	snprintf(x->json, sizeof(x->json), "%s", b.s ? b.s : "");
	jbuf_free(&b);
}

struct feed {
	struct dp_user *du;
	struct collector *col;
	uint64_t last;
};

static int feed(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		uint32_t wire)
{
	struct feed *f = ctx;

	(void)no;
	(void)wire;
	dp_user_frame(f->du, eth, len, ts, 0, TLSMON_HOOK_PCAP);
	if (ts > f->last) {
		f->last = ts;
		collector_tick(f->col, ts);
	}
	return 0;
}

int replay_capture(const char *path, double handshake_timeout, struct replay *out, char *err,
		   size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return replay_capture_each(path, handshake_timeout, keep, out, err, errlen);
}

int replay_capture_each(const char *path, double handshake_timeout,
			void (*fn)(void *ctx, const struct hs_record *r), void *ctx, char *err,
			size_t errlen)
{
	struct collector_opts co = { .max_conns = 65536, .max_servers = 1024,
				     .handshake_timeout = handshake_timeout, .ifname = "capture" };
	struct rec_sink s = { fn, ctx };
	struct pcap_src *ps;
	struct evpipe pipe;
	struct feed f = { 0 };

	ps = pcap_src_open(path, err, errlen);
	if (!ps)
		return -1;
	f.col = collector_new(&co);
	collector_add_sink(f.col, &s);
	evpipe_init(&pipe, collector_event, f.col, 0);
	f.du = dp_user_new(65536, evpipe_in, &pipe);
	pcap_src_run(ps, feed, &f, err, errlen);
	collector_flush(f.col, f.last);
	dp_user_free(f.du);
	evpipe_fini(&pipe);
	collector_free(f.col);
	pcap_src_close(ps);
	return 0;
}

int replay_events(const struct evlist *l, const uint64_t *frame_ts, size_t nframes,
		  double handshake_timeout, struct replay *out)
{
	struct collector_opts co = { .max_conns = 65536, .max_servers = 1024,
				     .handshake_timeout = handshake_timeout, .ifname = "capture" };
	struct rec_sink s = { keep, out };
	struct collector *col;
	struct evpipe pipe;
	uint64_t last = 0, no;
	size_t i = 0;
	uint8_t *ev;

	memset(out, 0, sizeof(*out));
	col = collector_new(&co);
	if (!col)
		return -1;
	collector_add_sink(col, &s);
	evpipe_init(&pipe, collector_event, col, 0);
	for (no = 0; no < nframes; no++) {
		for (; i < l->n && l->frame[i] == no; i++) {
			ev = malloc(l->size[i]);
			if (!ev)
				abort();
			memcpy(ev, l->ev[i], l->size[i]);
			/* what a capture's frame gives the userspace datapath */
			((struct tlsmon_ev_hdr *)ev)->ts_ns = frame_ts[no];
			((struct tlsmon_ev_hdr *)ev)->ifindex = 0;
			((struct tlsmon_ev_hdr *)ev)->hook = TLSMON_HOOK_PCAP;
			evpipe_in(&pipe, ev, l->size[i]);
			free(ev);
		}
		if (frame_ts[no] > last) {
			last = frame_ts[no];
			collector_tick(col, last);
		}
	}
	collector_flush(col, last);
	evpipe_fini(&pipe);
	collector_free(col);
	return i == l->n ? 0 : -1;
}

void replay_free(struct replay *rp)
{
	free(rp->v);
	memset(rp, 0, sizeof(*rp));
}

struct replay_rec *replay_find(struct replay *rp, const char *a, unsigned ap, const char *b,
			       unsigned bp)
{
	char ca[64], sa[64];
	size_t i;

	for (i = 0; i < rp->n; i++) {
		struct hs_record *r = &rp->v[i].r;

		addr_str(r->caddr, ca, sizeof(ca));
		addr_str(r->saddr, sa, sizeof(sa));
		if ((!strcmp(ca, a) && r->cport == ap && !strcmp(sa, b) && r->sport == bp) ||
		    (!strcmp(ca, b) && r->cport == bp && !strcmp(sa, a) && r->sport == ap))
			return &rp->v[i];
	}
	return NULL;
}
