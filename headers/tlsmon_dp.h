/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet datapath: header parsing, the fast-path filter, flow
 * tracking, the record walk and event emission.  Compiled into the XDP/TC
 * programs and, unchanged, into the userspace replay used by offline mode and
 * by the differential test.
 *
 * The includer provides the environment first:
 *   struct dp_pkt  with fields ctx, data, data_end, len, ifindex, hook
 *   dp_load(pk, hook, off, dst, n)   copy n packet bytes at off; <0 on failure
 *   dp_now(pk)                       timestamp in ns
 *   dp_flow_lookup(key), dp_flow_insert(key, val), dp_flow_delete(key)
 *   dp_hint_slot(idx), dp_synack_slot(idx), dp_scratch(hook)
 *   dp_emit(ev, size)                submit an event; <0 when it was lost
 *   dp_count(counter, n)
 *   dp_hint_get(slot), dp_hint_add(slot, v)
 *   DP_CFG(field)                    a field of struct tlsmon_dp_cfg
 *   TLSMON_SUBPROG                   how to declare a separately verified function
 */
#ifndef TLSMON_DP_H
#define TLSMON_DP_H

#include "tlsmon.h"
#include "tls_parse.h"
#include "net_parse.h"
#include "tlsmon_dp_types.h"

/* Header parsing; the BPF environment wraps it in a function verified once. */
TLSP_INLINE int dp_parse_headers_impl(const struct dp_pkt *pk, struct tlsmon_scratch *s)
{
	return np_parse(pk->data, pk->data_end, pk->len, &s->meta, DP_CFG(decap) ? NP_F_DECAP : 0);
}

#ifndef dp_parse_headers
#define dp_parse_headers(pk, hook, s) dp_parse_headers_impl(pk, s)
#endif

/* Orientation-free hash of the 4-tuple: the same in both directions. */
/* The ports folded into the addresses' XOR, then mixed: the same whichever way. */
TLSP_INLINE __u32 dp_hash_mix(__u32 x, __u16 sport, __u16 dport)
{
	x ^= ((__u32)(sport ^ dport) << 16) | (__u16)(sport + dport);
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

/*
 * The flow's hash, orientation-free.  An IPv4 address is v4-mapped in m: its
 * ::ffff: words cancel out between the two addresses, so the pre-filter gets
 * the same hash from the raw 4-byte addresses (dp_prefilter).
 */
TLSP_INLINE __u32 dp_flow_hash(const struct np_meta *m)
{
	__u32 a[4], b[4];

	__builtin_memcpy(a, m->saddr, 16);
	__builtin_memcpy(b, m->daddr, 16);
	return dp_hash_mix(a[0] ^ a[1] ^ a[2] ^ a[3] ^ b[0] ^ b[1] ^ b[2] ^ b[3], m->sport,
			   m->dport);
}

/* Fill the orientation-free key; returns 1 when the packet's sender is key.a. */
TLSP_INLINE int dp_make_key(const struct np_meta *m, struct tlsmon_flow_key *k)
{
	__u64 s0, s1, d0, d1;
	int s_first;

	__builtin_memcpy(&s0, m->saddr, 8);
	__builtin_memcpy(&s1, m->saddr + 8, 8);
	__builtin_memcpy(&d0, m->daddr, 8);
	__builtin_memcpy(&d1, m->daddr + 8, 8);
	if (s0 != d0)
		s_first = s0 < d0;
	else if (s1 != d1)
		s_first = s1 < d1;
	else
		s_first = m->sport <= m->dport;
	if (s_first) {
		__builtin_memcpy(k->a, m->saddr, 16);
		__builtin_memcpy(k->b, m->daddr, 16);
		k->pa = m->sport;
		k->pb = m->dport;
	} else {
		__builtin_memcpy(k->a, m->daddr, 16);
		__builtin_memcpy(k->b, m->saddr, 16);
		k->pa = m->dport;
		k->pb = m->sport;
	}
	k->family = m->family;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
	return s_first;
}

TLSP_INLINE int dp_port_allowed(const struct np_meta *m)
{
	int i;

	if (!DP_CFG(n_ports))
		return 1;
	for (i = 0; i < TLSMON_MAX_PORTS; i++) {
		if (i >= DP_CFG(n_ports))
			break;
		if (DP_CFG(ports)[i] == m->sport || DP_CFG(ports)[i] == m->dport)
			return 1;
	}
	return 0;
}

TLSP_INLINE void dp_fill_hdr(struct tlsmon_scratch *s, const struct dp_pkt *pk, __u64 now,
			     const struct np_meta *m, __u8 dir)
{
	struct tlsmon_ev_hdr *h = &s->hdr;

	h->version = TLSMON_EVENT_VERSION;
	h->type = 0;
	h->dir = dir;
	h->hook = pk->hook;
	h->ifindex = pk->ifindex;
	h->ts_ns = now;
	if (dir == TLSMON_DIR_C2S) {
		__builtin_memcpy(h->caddr, m->saddr, 16);
		__builtin_memcpy(h->saddr, m->daddr, 16);
		h->cport = m->sport;
		h->sport = m->dport;
	} else {
		__builtin_memcpy(h->caddr, m->daddr, 16);
		__builtin_memcpy(h->saddr, m->saddr, 16);
		h->cport = m->dport;
		h->sport = m->sport;
	}
	h->family = m->family;
	h->ttl = m->ttl;
	h->ip_id = m->ip_id;
	h->seq = m->seq;
	h->size = 0;
	h->tcp_flags = m->tcp_flags;
	h->pad = 0;
}

TLSP_INLINE void dp_submit(void *ev, __u32 size)
{
	if (dp_emit(ev, size) < 0)
		dp_count(TLSMON_C_RB_FAIL, 1);
	else
		dp_count(TLSMON_C_EVENTS, 1);
}

/* Small events share one layout; the caller sets the type-specific fields after. */
TLSP_INLINE struct tlsmon_ev_small *dp_small(struct tlsmon_scratch *s, __u8 type, __u32 seq)
{
	struct tlsmon_ev_small *e = &s->ev.sm;

	e->h = s->hdr;
	e->h.type = type;
	e->h.seq = seq;
	e->h.size = sizeof(*e);
	e->content_type = 0;
	e->hs_type = 0;
	e->level = 0;
	e->desc = 0;
	e->index = 0;
	e->flags = 0;
	e->rec_len = 0;
	e->msg_len = 0;
	e->reason = 0;
	return e;
}

TLSP_INLINE void dp_parse_error(struct tlsmon_scratch *s, int err, __u8 ct, __u8 hs, __u32 seq)
{
	struct tlsmon_ev_small *e = dp_small(s, TLSMON_EV_PARSE_ERROR, seq);

	e->content_type = ct;
	e->hs_type = hs;
	e->reason = (__u32)(-err);
	dp_count(TLSMON_C_PARSE_ERRORS, 1);
	dp_submit(e, sizeof(*e));
}

/*
 * The hello parsers, each a separately verified function in BPF: verified
 * once, not once per message of the record walk that calls them.
 */
TLSMON_SUBPROG int dp_parse_ch(struct tlsmon_scratch *s, __u32 off, __u32 total)
{
	if (!s || total > TLSMON_SCRATCH_LEN)
		return -TLS_ERR_TOO_LONG;
	if (s->rec_hdr_len == 2)
		return tls_parse_sslv2_client_hello(s->buf, 0, total, &s->ev.ch.ch);
	return tls_parse_client_hello(s->buf, off, total, s->rec_version, &s->ev.ch.ch, &s->ws);
}

TLSMON_SUBPROG int dp_parse_sh(struct tlsmon_scratch *s, __u32 off, __u32 total)
{
	if (!s || total > TLSMON_SCRATCH_LEN)
		return -TLS_ERR_TOO_LONG;
	return tls_parse_server_hello(s->buf, off, total, s->rec_version, &s->ev.sh.sh, &s->ws);
}

TLSP_INLINE void dp_emit_ch(struct tlsmon_scratch *s, struct tlsmon_flow *f, __u32 seq)
{
	f->state |= TLSMON_FS_CH_SEEN;
	s->ev.ch.h = s->hdr;
	s->ev.ch.h.type = TLSMON_EV_CLIENT_HELLO;
	s->ev.ch.h.seq = seq;
	s->ev.ch.h.size = sizeof(s->ev.ch);
	s->ev.ch.peer = f->peer;
	dp_submit(&s->ev.ch, sizeof(s->ev.ch));
}

TLSP_INLINE void dp_emit_sh(struct tlsmon_scratch *s, struct tlsmon_flow *f, __u32 seq)
{
	__u16 ver = tls_sh_version(&s->ev.sh.sh);

	f->state |= TLSMON_FS_SH_SEEN;
	if (TLS_V_IS_TLS13(ver))
		f->state |= TLSMON_FS_TLS13;
	if (s->ev.sh.sh.flags & TLS_SHF_HRR)
		f->state |= TLSMON_FS_HRR;
	s->ev.sh.h = s->hdr;
	s->ev.sh.h.type = TLSMON_EV_SERVER_HELLO;
	s->ev.sh.h.seq = seq;
	s->ev.sh.h.size = sizeof(s->ev.sh);
	s->ev.sh.peer = f->peer;
	dp_submit(&s->ev.sh, sizeof(s->ev.sh));
}

/* Handshake messages whose bytes userspace wants: certificates and CA names. */
TLSP_INLINE int dp_wants_bytes(__u8 type)
{
	return type == TLS_HS_CERTIFICATE || type == TLS_HS_CERTIFICATE_REQUEST;
}

/*
 * One whole handshake record, header included, in s->buf[0, total) (where it
 * starts and its header: s->rec_*): walk its messages and emit them.
 * s->hs_left/hs_want carry a message fragmented over records from one record
 * to the next (RFC 5246 6.2.1 lets handshake messages span records).
 * Returns 1 when the record holds (part of) a message whose bytes userspace
 * wants (dp_wants_bytes), else 0.
 */
TLSMON_SUBPROG int dp_hs_record(struct tlsmon_scratch *s, struct tlsmon_flow *f, __u32 total)
{
	struct tlsmon_ev_small *e;
	__u32 off, mlen, i, rec_seq;
	int r, want = 0;
	__u8 type;

	if (!s || !f || total > TLSMON_SCRATCH_LEN)
		return 0;
	rec_seq = s->rec_seq;
	if (s->rec_hdr_len == 2) {
		r = dp_parse_ch(s, 0, total);
		if (r)
			dp_parse_error(s, r, TLS_CT_HANDSHAKE, TLS_HS_CLIENT_HELLO, rec_seq);
		else
			dp_emit_ch(s, f, rec_seq);
		return 0;
	}
	off = TLS_RECORD_HDR_LEN;
	if (s->hs_left) {
		/* the rest of a message begun in an earlier record */
		if (s->hs_left >= total - off) {
			s->hs_left -= total - off;
			return s->hs_want;
		}
		off += s->hs_left;
		want = s->hs_want;
		s->hs_left = 0;
	}
	s->hs_want = 0;
	for (i = 0; i < TLSMON_MAX_MSGS_PER_RECORD; i++) {
		off = TLSP_NORM(off);
		if (off >= total)
			break;
		e = dp_small(s, TLSMON_EV_HS_MSG, rec_seq + off);
		e->content_type = TLS_CT_HANDSHAKE;
		e->rec_len = total - TLS_RECORD_HDR_LEN;
		e->hs_type = tlsp_u8(s->buf, off);
		if (total - off < TLS_HS_HDR_LEN) {
			e->flags = TLSMON_SF_PARTIAL;
			dp_submit(e, sizeof(*e));
			break;
		}
		type = e->hs_type;
		if (dp_wants_bytes(type))
			want = 1;
		mlen = tlsp_u24(s->buf, off + 1);
		e->msg_len = mlen;
		if (mlen > total - off - TLS_HS_HDR_LEN) {
			/* continues in the next record: reported, not parsed */
			e->flags = TLSMON_SF_PARTIAL;
			dp_submit(e, sizeof(*e));
			mlen -= total - off - TLS_HS_HDR_LEN;
			s->hs_left = mlen > 0xffff ? 0xffff : mlen;
			s->hs_want = dp_wants_bytes(type);
			break;
		}
		if (type == TLS_HS_CLIENT_HELLO) {
			r = dp_parse_ch(s, off, total);
			if (r)
				dp_parse_error(s, r, TLS_CT_HANDSHAKE, type, rec_seq + off);
			else
				dp_emit_ch(s, f, rec_seq + off);
		} else if (type == TLS_HS_SERVER_HELLO) {
			r = dp_parse_sh(s, off, total);
			if (r)
				dp_parse_error(s, r, TLS_CT_HANDSHAKE, type, rec_seq + off);
			else
				dp_emit_sh(s, f, rec_seq + off);
		} else {
			dp_submit(e, sizeof(*e));
		}
		off += TLS_HS_HDR_LEN + mlen;
	}
	return want;
}

TLSP_INLINE void dp_note_synack(const struct np_meta *m, __u32 h)
{
	struct tlsmon_synack *slot = dp_synack_slot(h & (TLSMON_SYNACK_SLOTS - 1));

	if (!slot)
		return;
	slot->tag = h | 1;
	slot->ttl = m->ttl;
	slot->ip_id = m->ip_id;
	dp_count(TLSMON_C_SYNACKS, 1);
}

/* The new flow is built in scratch space: the BPF stack is small. */
TLSP_INLINE struct tlsmon_flow *dp_flow_create(struct tlsmon_scratch *s, __u64 now,
					       const struct np_meta *m,
					       const struct tlsmon_flow_key *k, int sender_is_a,
					       int sender_is_client, __u32 h)
{
	struct tlsmon_flow *nf = &s->newflow;
	struct tlsmon_synack *sa;
	__u32 *hint;
	int dir = sender_is_client ? TLSMON_DIR_C2S : TLSMON_DIR_S2C;

	TLSP_ZERO(nf);
	nf->created_ns = now;
	nf->last_ns = now;
	nf->client_is_a = sender_is_client ? sender_is_a : !sender_is_a;
	nf->hint = h & (TLSMON_HINT_SLOTS - 1);
	nf->peer.peer_ack = m->ack;
	sa = dp_synack_slot(h & (TLSMON_SYNACK_SLOTS - 1));
	if (sa && sa->tag == (h | 1)) {
		nf->peer.synack_seen = 1;
		nf->peer.synack_ttl = sa->ttl;
		nf->peer.synack_ip_id = sa->ip_id;
	}
	if (dir == TLSMON_DIR_C2S) {
		nf->d[0].next_seq = m->seq;
		nf->d[0].flags = TLSMON_DS_SYNCED;
		if (m->tcp_flags & NP_TCP_ACK) {
			nf->d[1].next_seq = m->ack;
			nf->d[1].flags = TLSMON_DS_SYNCED;
		}
	} else {
		nf->d[1].next_seq = m->seq;
		nf->d[1].flags = TLSMON_DS_SYNCED;
		if (m->tcp_flags & NP_TCP_ACK) {
			nf->d[0].next_seq = m->ack;
			nf->d[0].flags = TLSMON_DS_SYNCED;
		}
	}
	if (dp_flow_insert(k, nf) < 0) {
		dp_count(TLSMON_C_FLOW_CREATE_FAIL, 1);
		return 0;
	}
	dp_count(TLSMON_C_FLOWS_CREATED, 1);
	hint = dp_hint_slot(nf->hint);
	if (hint)
		dp_hint_add(hint, 1);
	return dp_flow_lookup(k);
}

TLSP_INLINE void dp_flow_end(struct tlsmon_scratch *s, const struct tlsmon_flow_key *k,
			     struct tlsmon_flow *f, __u32 reason, __u32 seq)
{
	struct tlsmon_ev_small *e = dp_small(s, TLSMON_EV_FLOW_END, seq);
	__u32 *hint = dp_hint_slot(f->hint & (TLSMON_HINT_SLOTS - 1));

	e->reason = reason;
	dp_submit(e, sizeof(*e));
	if (hint && dp_hint_get(hint) > 0)
		dp_hint_add(hint, -1);
	dp_flow_delete(k);
	dp_count(TLSMON_C_FLOWS_DELETED, 1);
}

TLSP_INLINE int dp_settled(const struct tlsmon_flow *f)
{
	if (f->state & TLSMON_FS_TLS13)
		return f->d[0].app_records >= 2 && f->s2c_after_c2s;
	return f->d[0].app_records >= 1 && f->d[1].app_records >= 1;
}

/* Signed distance a - b in sequence space. */
TLSP_INLINE __s32 dp_seq_diff(__u32 a, __u32 b)
{
	return (__s32)(a - b);
}

/*
 * Ship the part of this segment (s->pkt_*) that lies in the side's
 * reassembly window, up to its byte budget, less what a retransmission
 * repeats of the bytes already shipped.  The BPF environment wraps this in a
 * separately verified function per hook (dp_blob_ship).
 */
TLSP_INLINE int dp_blob_ship_impl(const struct dp_pkt *pk, const int hook,
				  struct tlsmon_scratch *s, struct tlsmon_flow *f,
				  struct tlsmon_dir_state *ds)
{
	struct tlsmon_ev_blob *e = &s->ev.blob;
	__u32 seq = s->pkt_seq, seg_end = s->pkt_seq + s->pkt_plen, lo, hi, n, left;
	int c, contig;

	lo = dp_seq_diff(seq, ds->blob_start) > 0 ? seq : ds->blob_start;
	hi = dp_seq_diff(seg_end, ds->blob_end) < 0 ? seg_end : ds->blob_end;
	/* after a gap (reordering) ship anyway, but only in-order bytes advance blob_next */
	contig = dp_seq_diff(lo, ds->blob_next) <= 0;
	if (contig)
		lo = ds->blob_next;
	for (c = 0; c < TLSMON_BLOB_CHUNKS; c++) {
		if (dp_seq_diff(hi, lo) <= 0)
			break;
		n = hi - lo;
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
			break;
		if (dp_load(pk, hook, s->pkt_poff + (lo - seq), e->data, n) < 0)
			break;
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
		lo += n;
		if (contig)
			ds->blob_next = lo;
		if (ds->flags & TLSMON_DS_BUDGET)
			break;
	}
	if (dp_seq_diff(seg_end, ds->blob_end) >= 0 || (ds->flags & TLSMON_DS_BUDGET))
		ds->flags &= ~TLSMON_DS_BLOB;
	return 0;
}

#ifndef dp_blob_ship
#define dp_blob_ship(pk, hook, s, f, ds) dp_blob_ship_impl(pk, hook, s, f, ds)
#endif

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

TLSP_INLINE void dp_non_tls(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			    __u32 off)
{
	struct tlsmon_ev_non_tls *e = &s->ev.nt;
	__u32 n = s->pkt_plen - off;
	int i;

	e->h = s->hdr;
	e->h.type = TLSMON_EV_NON_TLS;
	e->h.seq = s->pkt_seq + off;
	e->h.size = sizeof(*e);
	e->len = s->pkt_plen > 0xffff ? 0xffff : s->pkt_plen;
	for (i = 0; i < 5; i++)
		e->pad[i] = 0;
	for (i = 0; i < TLSMON_PEEK_MAX; i++)
		e->data[i] = 0;
	if (n > TLSMON_PEEK_MAX)
		n = TLSMON_PEEK_MAX;
	TLSP_OPAQUE(n);
	if (n < 1 || n > TLSMON_PEEK_MAX || dp_load(pk, hook, s->pkt_poff + off, e->data, n) < 0)
		n = 0;
	e->n = n;
	dp_submit(e, sizeof(*e));
}

/* dp_record() results besides an end reason (enum tlsmon_end_reason > 0) */
#define DP_REC_MORE 0	/* a record was handled; there may be another */
#define DP_REC_STOP (-1)	/* nothing more to walk in this segment */

/*
 * Handle the record at the side's next boundary (ds->next_seq) in this
 * segment (s->pkt_*) and move the boundary past it.  In BPF this is a
 * separately verified function per hook (dp_record), so the walk over the
 * records of a segment costs the verifier one call per iteration.
 */
TLSP_INLINE int dp_record_impl(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			       struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	struct tls_record *rec = &s->rec;	/* scratch, not stack: see TLSMON_SUBPROG */
	struct tlsmon_ev_small *e;
	__u8 *rh = s->rh, *tmp = s->tmp;
	__u32 seq = s->pkt_seq, plen = s->pkt_plen, poff = s->pkt_poff;
	__u32 body, rec_end, avail, total, rec_seq, hl, n, pn, off;
	int r, k;

	pn = ds->part_n;
	if (pn && seq == ds->next_seq + pn) {
		/* header bytes kept from the previous segment, the rest here */
		n = TLS_RECORD_HDR_LEN - pn;
		TLSP_OPAQUE(n);	/* keep the explicit bounds for the verifier */
		if (pn > 4 || n < 1 || n > 4 || n > plen)
			return DP_REC_STOP;
		if (dp_load(pk, hook, poff, tmp, n) < 0)
			return DP_REC_STOP;
		/* constant indices only: variable ones on the stack turn into
		 * pointer arithmetic the verifier refuses */
		rh[0] = ds->part[0];
		rh[1] = pn > 1 ? ds->part[1] : tmp[0];
		rh[2] = pn > 2 ? ds->part[2] : (pn == 2 ? tmp[0] : tmp[1]);
		rh[3] = pn > 3 ? ds->part[3] : (pn == 3 ? tmp[0] : (pn == 2 ? tmp[1] : tmp[2]));
		rh[4] = pn == 4 ? tmp[0] : (pn == 3 ? tmp[1] : (pn == 2 ? tmp[2] : tmp[3]));
		rec_seq = ds->next_seq;
		body = n;
		off = 0;
	} else {
		pn = 0;	/* a kept header not continued here is stale */
		if (dp_seq_diff(ds->next_seq, seq) < 0) {
			dp_count(TLSMON_C_OUT_OF_ORDER, 1);
			return DP_REC_STOP;
		}
		off = ds->next_seq - seq;
		if (off >= plen)
			return DP_REC_STOP;	/* inside a record, or a retransmission */
		avail = plen - off;
		rec_seq = ds->next_seq;
		if (avail < TLS_RECORD_HDR_LEN) {
			/* header cut by the segment end: keep it for the next one */
			TLSP_OPAQUE(avail);
			if (avail < 1 || avail > 4 || dp_load(pk, hook, poff + off, ds->part, avail) < 0)
				return DP_REC_STOP;
			ds->part_n = avail;
			return DP_REC_STOP;
		}
		if (dp_load(pk, hook, poff + off, rh, TLS_RECORD_HDR_LEN) < 0)
			return DP_REC_STOP;
		body = off + TLS_RECORD_HDR_LEN;
	}
	ds->part_n = 0;
	r = tls_parse_record_hdr(rh, 0, TLS_RECORD_HDR_LEN, rec);
	if (r) {
		if (!(ds->flags & TLSMON_DS_SEEN)) {
			dp_non_tls(pk, hook, s, off);
			return TLSMON_END_NON_TLS;
		}
		dp_parse_error(s, r, rh[0], 0, rec_seq);
		ds->flags |= TLSMON_DS_LOST;
		return DP_REC_STOP;
	}
	ds->flags |= TLSMON_DS_SEEN;
	hl = rec->hdr_len;
	if (hl == 2)
		body = body - TLS_RECORD_HDR_LEN + 2;
	rec_end = body + rec->len;
	total = hl + rec->len;
	ds->next_seq = seq + rec_end;
	dp_count(TLSMON_C_TLS_RECORDS, 1);
	switch (rec->type) {
	case TLS_CT_HANDSHAKE:
		/*
		 * After a ChangeCipherSpec records are ciphertext, except a hello
		 * that follows a TLS 1.3 compatibility CCS whose HelloRetryRequest
		 * we did not see: a hello header whose length fits the record
		 * exactly is taken as cleartext (random bytes do so 1 in 2^32).
		 */
		if ((ds->flags & TLSMON_DS_ENCRYPTED) && rec->len >= TLS_HS_HDR_LEN &&
		    body + TLS_HS_HDR_LEN <= plen &&
		    !dp_load(pk, hook, poff + body, tmp, TLS_HS_HDR_LEN) &&
		    (tmp[0] == TLS_HS_CLIENT_HELLO || tmp[0] == TLS_HS_SERVER_HELLO) && !tmp[1] &&
		    ((tmp[2] << 8) | tmp[3]) + TLS_HS_HDR_LEN == rec->len)
			ds->flags &= ~TLSMON_DS_ENCRYPTED;
		if (ds->flags & TLSMON_DS_ENCRYPTED) {
			e = dp_small(s, TLSMON_EV_HS_MSG, rec_seq);
			e->content_type = TLS_CT_HANDSHAKE;
			e->flags = TLSMON_SF_ENCRYPTED;
			e->rec_len = rec->len;
			dp_submit(e, sizeof(*e));
			break;
		}
		n = rec->len;
		TLSP_OPAQUE(n);	/* the bound below must reach the verifier */
		if (rec_end <= plen && n > 0 && n <= TLSMON_SCRATCH_LEN - TLS_RECORD_HDR_LEN) {
			for (k = 0; k < TLS_RECORD_HDR_LEN; k++)
				s->buf[k] = rh[k];
			if (dp_load(pk, hook, poff + body, s->buf + (hl == 2 ? 2 : 5), n) < 0)
				return DP_REC_STOP;
			s->rec_seq = rec_seq;
			s->rec_version = rec->version;
			s->rec_hdr_len = hl;
			s->hs_left = ds->hs_left;
			s->hs_want = !!(ds->flags & TLSMON_DS_HS_WANT);
			k = dp_hs_record(s, f, total);
			ds->hs_left = s->hs_left;
			ds->flags = (ds->flags & ~TLSMON_DS_HS_WANT) |
				    (s->hs_want ? TLSMON_DS_HS_WANT : 0);
			if (k) {
				/* certificates: parsed in userspace, from these bytes */
				dp_blob_open(s, f, ds, rec_seq, rec_seq + total, pn, 1);
				dp_blob_ship(pk, hook, s, f, ds);
			}
		} else {
			/* userspace walks this record's messages, and their ends */
			ds->hs_left = 0;
			ds->flags &= ~TLSMON_DS_HS_WANT;
			dp_blob_open(s, f, ds, rec_seq, rec_seq + total, pn, 0);
			dp_blob_ship(pk, hook, s, f, ds);
		}
		break;
	case TLS_CT_CHANGE_CIPHER_SPEC:
		e = dp_small(s, TLSMON_EV_CCS, rec_seq);
		e->content_type = TLS_CT_CHANGE_CIPHER_SPEC;
		e->rec_len = rec->len;
		dp_submit(e, sizeof(*e));
		/*
		 * TLS 1.3 sends a dummy CCS for middleboxes (RFC 8446 D.4); what
		 * follows is still cleartext (a second ClientHello after a
		 * HelloRetryRequest) or application-data records.
		 */
		if (!(f->state & (TLSMON_FS_TLS13 | TLSMON_FS_HRR)))
			ds->flags |= TLSMON_DS_ENCRYPTED;
		break;
	case TLS_CT_ALERT:
		if (!(ds->flags & TLSMON_DS_ENCRYPTED) && rec->len == 2 && rec_end > plen) {
			dp_blob_open(s, f, ds, rec_seq, rec_seq + total, pn, 0);
			dp_blob_ship(pk, hook, s, f, ds);
			break;
		}
		e = dp_small(s, TLSMON_EV_ALERT, rec_seq);
		e->content_type = TLS_CT_ALERT;
		e->rec_len = rec->len;
		if ((ds->flags & TLSMON_DS_ENCRYPTED) || rec->len != 2) {
			e->flags = TLSMON_SF_ENCRYPTED;
			dp_submit(e, sizeof(*e));
			break;
		}
		if (dp_load(pk, hook, poff + body, tmp, 2) < 0)
			return DP_REC_STOP;
		e->level = tmp[0];
		e->desc = tmp[1];
		dp_submit(e, sizeof(*e));
		if (tmp[0] == TLS_ALERT_LEVEL_FATAL)
			return TLSMON_END_FATAL_ALERT;
		break;
	case TLS_CT_APPLICATION_DATA:
		if (ds->app_records < DP_CFG(appdata_max)) {
			e = dp_small(s, TLSMON_EV_APPDATA, rec_seq);
			e->content_type = TLS_CT_APPLICATION_DATA;
			e->rec_len = rec->len;
			e->index = ds->app_records;
			dp_submit(e, sizeof(*e));
		}
		if (ds->app_records < 255)
			ds->app_records++;
		if (dir == TLSMON_DIR_S2C && f->d[0].app_records && f->s2c_after_c2s < 255)
			f->s2c_after_c2s++;
		break;
	default:
		break;
	}
	return DP_REC_MORE;
}

#ifndef dp_record
#define dp_record(pk, hook, s, f, dir) dp_record_impl(pk, hook, s, f, dir)
#endif

/* Payload of a tracked flow.  Returns an end reason or 0. */
TLSP_INLINE __u32 dp_payload(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			     struct tlsmon_flow *f, __u8 dir)
{
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	int i, r = DP_REC_STOP;

	if (!(ds->flags & TLSMON_DS_SYNCED)) {
		ds->next_seq = s->pkt_seq;
		ds->flags |= TLSMON_DS_SYNCED;
	}
	if (ds->flags & TLSMON_DS_BLOB)
		dp_blob_ship(pk, hook, s, f, ds);
	if (ds->flags & TLSMON_DS_LOST)
		return 0;
	for (i = 0; i < TLSMON_MAX_RECORDS_PER_SEG; i++) {
		r = dp_record(pk, hook, s, f, dir);
		if (r != DP_REC_MORE)
			break;
	}
	if (r == DP_REC_MORE) {
		/* the walk bound ran out with records left: stop following this side */
		dp_count(TLSMON_C_RECORD_LIMIT, 1);
		ds->flags |= TLSMON_DS_LOST;
	}
	return r > 0 ? (__u32)r : 0;
}

TLSP_INLINE void dp_flow_packet(const struct dp_pkt *pk, const int hook,
				struct tlsmon_scratch *s, const struct np_meta *m,
				struct tlsmon_flow *f, __u8 dir)
{
	const struct tlsmon_flow_key *k = &s->key;
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	struct tlsmon_ev_small *e;
	__u64 now = dp_now(pk);
	__u32 reason;

	f->last_ns = now;
	if (!ds->ttl)
		ds->ttl = m->ttl;
	ds->ip_id = m->ip_id;
	dp_fill_hdr(s, pk, now, m, dir);
	s->pkt_seq = m->seq;
	s->pkt_plen = m->plen;
	s->pkt_poff = m->poff;
	if (m->tcp_flags & NP_TCP_RST) {
		e = dp_small(s, TLSMON_EV_TCP_RST, m->seq);
		dp_submit(e, sizeof(*e));
		dp_flow_end(s, k, f, TLSMON_END_RST, m->seq);
		return;
	}
	if (m->plen) {
		reason = dp_payload(pk, hook, s, f, dir);
		if (reason) {
			dp_flow_end(s, k, f, reason, m->seq);
			return;
		}
	}
	if (m->tcp_flags & NP_TCP_FIN) {
		e = dp_small(s, TLSMON_EV_TCP_FIN, m->seq + m->plen);
		dp_submit(e, sizeof(*e));
		dp_flow_end(s, k, f, TLSMON_END_FIN, m->seq + m->plen);
		return;
	}
	if (dp_settled(f))
		dp_flow_end(s, k, f, TLSMON_END_SETTLED, m->seq + m->plen);
}

/* Does the payload start like a hello that should start tracking? 1: client, 2: server */
TLSP_INLINE int dp_hello_start(const __u8 *p, __u32 n)
{
	if (n >= 3 && p[0] == TLS_CT_HANDSHAKE && p[1] == 3 && p[2] <= 4) {
		if (n < 6 || p[5] == TLS_HS_CLIENT_HELLO)
			return 1;
		if (p[5] == TLS_HS_SERVER_HELLO)
			return 2;
		return 0;
	}
	if (n >= 5 && (p[0] & 0x80) && p[2] == TLS_HS_CLIENT_HELLO &&
	    (p[3] == 3 || (p[3] == 0 && p[4] == 2)))
		return 1;
	return 0;
}

/*
 * A look at the first bytes before anything else (no parse into scratch, no
 * counter): an untagged Ethernet frame whose plain IPv4 or IPv6 header
 * carries neither TCP nor a tunnel tlsmon reads; TCP with no payload and
 * none of SYN, FIN, RST; or such TCP whose payload does not start a hello on
 * a flow the hint array does not know (the one map touched).  Returns 1 when
 * the packet needs nothing more; every other frame (VLAN, PPPoE, IPv6
 * extension headers, fragments, tunnels, short or odd ones) takes the full
 * path, which counts what it skips.  Most packets on a busy host end here.
 */
TLSP_INLINE int dp_prefilter(const void *data, const void *data_end, int decap)
{
	const __u8 *p = (const __u8 *)data, *q;
	__u32 ihl, tot, doff, port, a[8], x, *hint;
	__u8 proto, tf, v6 = 0;

	if ((const void *)(p + 14 + 40) > data_end)
		return 0;
	if (p[12] == 0x08 && p[13] == 0x00) {
		if ((p[14] >> 4) != 4)
			return 0;
		ihl = (p[14] & 15) * 4;
		tot = (__u32)p[16] << 8 | p[17];
		proto = p[23];
		if (ihl < 20 || tot < ihl)
			return 0;
		if ((p[20] & 0x3f) || p[21])	/* a fragment: counted by the full path */
			return proto != IPPROTO_TCP;
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		if ((p[14] >> 4) != 6)
			return 0;
		ihl = 40;
		tot = 40 + ((__u32)p[18] << 8 | p[19]);
		proto = p[20];
		v6 = 1;
	} else {
		return 0;
	}
	if (proto == IPPROTO_TCP) {
		q = p + 14 + ihl;
		if ((const void *)(q + 20) > data_end)
			return 0;
		doff = (q[12] >> 4) * 4;
		tf = q[13];
		if (doff < 20 || (tf & (NP_TCP_SYN | NP_TCP_FIN | NP_TCP_RST)) || tot < ihl + doff)
			return 0;
		if (tot == ihl + doff)
			return 1;	/* no payload */
		/* payload: a hello starts the full path, and so does a flow we track */
		if (tot - ihl - doff < 6 || (const void *)(q + doff + 6) > data_end ||
		    dp_hello_start(q + doff, 6))
			return 0;
		if (!v6) {	/* IPv4, with or without options */
			__builtin_memcpy(a, p + 26, 8);	/* source and destination */
			x = a[0] ^ a[1];
		} else {
			__builtin_memcpy(a, p + 22, 32);	/* IPv6 source and destination */
			x = a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7];
		}
		hint = dp_hint_slot(dp_hash_mix(x, (__u16)(q[0] << 8 | q[1]),
						(__u16)(q[2] << 8 | q[3])) &
				    (TLSMON_HINT_SLOTS - 1));
		return hint && dp_hint_get(hint) == 0;
	}
	if (!decap)
		return proto != 0 && proto != 43 && proto != 44 && proto != 60;
	if (proto == IPPROTO_UDP) {
		p += 14 + ihl;
		if ((const void *)(p + 4) > data_end)
			return 0;
		port = (__u32)p[2] << 8 | p[3];
		return port != NP_UDP_VXLAN && port != NP_UDP_GENEVE && port != NP_UDP_GTPU;
	}
	/* IPv6 extension headers and IP-in-IP take the full parse */
	return proto != 0 && proto != 43 && proto != 44 && proto != 60 && proto != IPPROTO_IPIP &&
	       proto != IPPROTO_IPV6;
}

/*
 * The datapath for a frame the pre-filter let through (dp_handle, or the XDP
 * program itself, which filters before asking for the frame's length).  The
 * parsed headers live in the per-CPU scratch area (an array slot, no hash-map
 * work) to keep the BPF stack small for the separately verified functions
 * called below.
 */
TLSP_INLINE void dp_handle_full(const struct dp_pkt *pk, const int hook)
{
	struct tlsmon_scratch *s;
	struct np_meta *m;
	struct tlsmon_flow *f;
	__u8 *pre;
	__u32 h, *hint, n;
	int r, hello = 0, sender_is_a;
	__u8 flags, dir;

	s = dp_scratch(hook);
	if (!s)
		return;
	m = &s->meta;
	pre = s->pre;
	dp_count(TLSMON_C_PACKETS, 1);
	r = dp_parse_headers(pk, hook, s);
	if (r != NP_TCP) {
		if (r == NP_FRAGMENT)
			dp_count(TLSMON_C_FRAGMENTS, 1);
		else if (r == NP_MALFORMED)
			dp_count(TLSMON_C_MALFORMED, 1);
		return;
	}
	flags = m->tcp_flags;
	/* Fast path: no payload and nothing that ends or starts a connection. */
	if (m->plen == 0 && !(flags & (NP_TCP_RST | NP_TCP_FIN | NP_TCP_SYN)))
		return;
	if (m->poff > pk->len || m->plen > pk->len - m->poff) {
		dp_count(TLSMON_C_MALFORMED, 1);
		return;
	}
	if (!dp_port_allowed(m)) {
		dp_count(TLSMON_C_PORT_FILTERED, 1);
		return;
	}
	h = dp_flow_hash(m);
	if ((flags & (NP_TCP_SYN | NP_TCP_ACK)) == (NP_TCP_SYN | NP_TCP_ACK))
		dp_note_synack(m, h);
	if (m->plen) {
		dp_count(TLSMON_C_TCP_PAYLOAD, 1);
		n = m->plen < 6 ? m->plen : 6;
		if (dp_load(pk, hook, m->poff, pre, n) < 0)
			return;
		hello = dp_hello_start(pre, n);
	}
	if (!hello) {
		hint = dp_hint_slot(h & (TLSMON_HINT_SLOTS - 1));
		if (!hint || dp_hint_get(hint) == 0)
			return;
	}
	/* Slow path: this packet may belong to a handshake. */
	sender_is_a = dp_make_key(m, &s->key);
	dp_count(TLSMON_C_FLOW_LOOKUPS, 1);
	f = dp_flow_lookup(&s->key);
	if (f && (flags & NP_TCP_SYN) && !(flags & NP_TCP_ACK)) {
		dp_fill_hdr(s, pk, dp_now(pk), m,
			    sender_is_a == f->client_is_a ? TLSMON_DIR_C2S : TLSMON_DIR_S2C);
		dp_flow_end(s, &s->key, f, TLSMON_END_REUSED, m->seq);
		f = 0;
		if (!hello)
			return;	/* the lookup found the flow: not a stale hint */
	}
	if (!f) {
		if (!hello) {
			dp_count(TLSMON_C_HINT_STALE, 1);
			return;
		}
		f = dp_flow_create(s, dp_now(pk), m, &s->key, sender_is_a, hello == 1, h);
		if (!f)
			return;
	}
	dir = sender_is_a == f->client_is_a ? TLSMON_DIR_C2S : TLSMON_DIR_S2C;
	dp_flow_packet(pk, hook, s, m, f, dir);
}

/* The whole datapath for one frame: the pre-filter, then the rest. */
TLSP_INLINE void dp_handle(const struct dp_pkt *pk, const int hook)
{
	if (pk->data && dp_prefilter(pk->data, pk->data_end, DP_CFG(decap)))
		return;
	dp_handle_full(pk, hook);
}

#endif /* TLSMON_DP_H */
