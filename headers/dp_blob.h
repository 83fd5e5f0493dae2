/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, blob shipping: the bytes of records the datapath does not
 * parse whole (larger than a segment or than its scratch buffer, and
 * certificates) go to userspace raw, with their sequence numbers, for
 * reassembly.  A side has one reassembly window at a time, and a byte budget.
 */
#ifndef TLSMON_DP_BLOB_H
#define TLSMON_DP_BLOB_H

#include "dp_base.h"

/*
 * One chunk of dp_blob_ship()'s walk: the bytes [s->blob_lo, s->blob_hi) of
 * this segment, at most TLSMON_BLOB_MAX of them, up to the side's budget.
 * Returns 1 when there is more to ship.  A stage (DP_STAGE): in BPF a
 * separately verified function per hook, so the walk over up to
 * TLSMON_BLOB_CHUNKS chunks costs the verifier one call per chunk.
 */
TLSP_INLINE int dp_blob_chunk(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			      struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	struct tlsmon_ev_blob *e = &s->ev.blob;
	__u32 lo = s->blob_lo, n, left;

	if (dp_seq_diff(s->blob_hi, lo) <= 0)
		return 0;
	n = s->blob_hi - lo;
	if (n > TLSMON_BLOB_MAX)
		n = TLSMON_BLOB_MAX;
	left = DP_CFG(blob_budget) > ds->blob_bytes ? DP_CFG(blob_budget) - ds->blob_bytes : 0;
	e->flags = 0;
	if (n > left) {
		n = left;
		e->flags = TLSMON_BLOB_F_BUDGET;
		dp_count(TLSMON_C_BLOB_BUDGET, 1);
		ds->flags |= TLSMON_DS_BUDGET;
	}
	if (n == 0 || n > TLSMON_BLOB_MAX)
		return 0;
	if (dp_load(pk, hook, s->pkt_poff + (lo - s->pkt_seq), e->data, n) < 0)
		return 0;
	e->h = s->hdr;
	e->h.type = TLSMON_EV_BLOB;
	e->h.seq = lo;
	e->h.size = sizeof(*e) - TLSMON_BLOB_MAX + n;
	e->rec_seq = ds->blob_start;
	e->len = n;
	e->kind = (ds->flags & TLSMON_DS_BLOB_CERT) ? TLSMON_BLOB_CERT : TLSMON_BLOB_RECORD;
	e->peer = f->peer;
	dp_submit(e, sizeof(*e) - TLSMON_BLOB_MAX + n);
	ds->blob_bytes += n;
	dp_count(TLSMON_C_BLOB_BYTES, n);
	s->blob_lo = lo + n;
	if (s->blob_contig)
		ds->blob_next = lo + n;
	return !(ds->flags & TLSMON_DS_BUDGET);
}

/*
 * Ship the part of this segment (s->pkt_*) that lies in the side's
 * reassembly window, up to its byte budget, less what a retransmission
 * repeats of the bytes already shipped.  A stage (DP_STAGE), called from the
 * record walk and for every segment of a window.
 */
TLSP_INLINE int dp_blob_ship(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			     struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	__u32 seq = s->pkt_seq, seg_end = s->pkt_seq + s->pkt_plen, lo;
	int c;

	lo = dp_seq_diff(seq, ds->blob_start) > 0 ? seq : ds->blob_start;
	s->blob_hi = dp_seq_diff(seg_end, ds->blob_end) < 0 ? seg_end : ds->blob_end;
	/* after a gap (reordering) ship anyway, but only in-order bytes advance blob_next */
	s->blob_contig = dp_seq_diff(lo, ds->blob_next) <= 0;
	s->blob_lo = s->blob_contig ? ds->blob_next : lo;
	for (c = 0; c < TLSMON_BLOB_CHUNKS; c++)
		if (!DP_STAGE(dp_blob_chunk, pk, hook, s, f, dir))
			break;
	if (dp_seq_diff(seg_end, ds->blob_end) >= 0 || (ds->flags & TLSMON_DS_BUDGET))
		ds->flags &= ~TLSMON_DS_BLOB;
	return 0;
}

/*
 * Open (or extend) the reassembly window for a record starting at rec_seq;
 * pn: bytes of its header that came in the previous segment (ds->part).
 * cert: the record was parsed here and goes to userspace for its
 * certificates only (TLSMON_BLOB_CERT); windows of either kind never merge.
 */
TLSP_INLINE void dp_blob_open(struct tlsmon_scratch *s, struct tlsmon_flow *f,
			      struct tlsmon_dir_state *ds, __u32 rec_seq, __u32 rec_end_seq,
			      __u32 pn, int cert)
{
	struct tlsmon_ev_blob *e = &s->ev.blob;
	__u8 kind = cert ? TLSMON_DS_BLOB_CERT : 0;
	__u32 i;

	if (ds->flags & TLSMON_DS_BUDGET)
		return;
	/*
	 * A record right after the window goes on in it, even once the window
	 * has closed: a handshake message fragmented over records (a large
	 * Certificate) stays one stream for userspace.
	 */
	if (ds->blob_end != rec_seq || (ds->flags & TLSMON_DS_BLOB_CERT) != kind) {
		ds->blob_start = rec_seq;
		ds->blob_next = rec_seq;
	}
	ds->blob_end = rec_end_seq;
	ds->flags = (ds->flags & ~TLSMON_DS_BLOB_CERT) | TLSMON_DS_BLOB | kind;
	if (!pn || pn > 4)
		return;
	/* The record header began in the previous segment: ship those bytes too. */
	e->h = s->hdr;
	e->h.type = TLSMON_EV_BLOB;
	e->h.seq = rec_seq;
	e->h.size = sizeof(*e) - TLSMON_BLOB_MAX + 4;
	e->rec_seq = ds->blob_start;
	e->len = pn;
	e->kind = cert ? TLSMON_BLOB_CERT : TLSMON_BLOB_RECORD;
	e->flags = 0;
	e->peer = f->peer;
	for (i = 0; i < 4; i++)
		e->data[i] = ds->part[i];
	dp_submit(e, sizeof(*e) - TLSMON_BLOB_MAX + 4);
	ds->blob_bytes += pn;
	dp_count(TLSMON_C_BLOB_BYTES, pn);
	if (ds->blob_next == rec_seq)
		ds->blob_next = rec_seq + pn;
}

#endif /* TLSMON_DP_BLOB_H */
