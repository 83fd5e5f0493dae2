/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, record walk: the TLS records of a tracked flow's segment,
 * found by TCP sequence number from the side's next record boundary; hellos
 * shipped whole for the collector to parse, other handshake messages,
 * alerts, ChangeCipherSpec and the first application-data records reported,
 * and records the datapath cannot see whole handed to blob shipping
 * (dp_blob.h).
 */
#ifndef TLSMON_DP_RECORD_H
#define TLSMON_DP_RECORD_H

#include "dp_base.h"
#include "dp_blob.h"

/* Handshake messages whose bytes userspace wants: certificates and CA names. */
TLSP_INLINE int dp_wants_bytes(__u8 type)
{
	return type == TLS_HS_CERTIFICATE || type == TLS_HS_CERTIFICATE_REQUEST;
}

/*
 * What the flow's state needs from a ServerHello, read from the frame: a
 * HelloRetryRequest's random, and TLS 1.3 (the supported_versions extension,
 * or a draft's version field).  The collector parses the rest.
 */
TLSP_INLINE void dp_sh_state(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			     struct tlsmon_flow *f)
{
	__u8 *b = s->tmp;
	__u32 at = s->rec_poff + s->msg_off, end = at + s->msg_len, ext_end, len, i;
	__u16 v;

	f->state |= TLSMON_FS_SH_SEEN;
	/* header, legacy_version, random, session id length */
	if (s->msg_len < TLS_HS_HDR_LEN + 35 || dp_load(pk, hook, at, b, TLS_HS_HDR_LEN + 35) < 0)
		return;
	if (tlsp_is_hrr_random(b, TLS_HS_HDR_LEN + 2))
		f->state |= TLSMON_FS_HRR;
	v = tlsp_u16(b, TLS_HS_HDR_LEN);
	if (TLS_V_IS_TLS13(v)) {
		f->state |= TLSMON_FS_TLS13;
		return;
	}
	/* past the session id, cipher suite and compression method */
	at += TLS_HS_HDR_LEN + 35 + b[TLS_HS_HDR_LEN + 34] + 3;
	if (at + 2 > end || dp_load(pk, hook, at, b, 2) < 0)
		return;
	ext_end = at + 2 + tlsp_u16(b, 0);
	if (ext_end > end)
		ext_end = end;
	at += 2;
	for (i = 0; i < TLSMON_SH_MAX_EXTS; i++) {
		if (at + 4 > ext_end || dp_load(pk, hook, at, b, 4) < 0)
			return;
		len = tlsp_u16(b, 2);
		if (tlsp_u16(b, 0) == TLS_EXT_SUPPORTED_VERSIONS) {
			if (len == 2 && at + 6 <= ext_end && !dp_load(pk, hook, at + 4, b, 2) &&
			    TLS_V_IS_TLS13(tlsp_u16(b, 0)))
				f->state |= TLSMON_FS_TLS13;
			return;
		}
		at += 4 + len;
	}
}

/*
 * --pcap-dir: room after the message for the frame's first bytes
 * (dp_pkt_ship deferred the frame to this event).  DP_CFG is a load-time
 * constant, so every reservation's size still is one, and off the room is 0.
 */
#define DP_HELLO_ROOM (DP_CFG(pkt_max) ? TLSMON_HELLO_HEAD_MAX : 0)

/*
 * Ship the hello at s->msg_off of the walked record whole, in one copy from
 * the frame into a ring buffer record of the smallest size class that holds
 * it.  A stage (DP_STAGE): in BPF a separately verified function per hook,
 * so the size classes are verified once and not once per message walked.
 * With --pcap-dir, when this hello is what dp_pkt_ship deferred the frame
 * to and the rest of the frame, the frame's first bytes follow the message
 * (head_len), one copy more.
 */
TLSP_INLINE int dp_hello_ship(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			      struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_ev_hello *e = 0;
	__u32 n = s->msg_len, at = s->rec_poff + s->msg_off, cap = 0, m, head = 0;
	int ch = s->msg_type == TLS_HS_CLIENT_HELLO, v2 = s->rec_hdr_len == 2;

	(void)dir;
	TLSP_OPAQUE(dir);	/* unused, but BPF wants every argument set: keep it read */
	if (ch) {
		f->state |= TLSMON_FS_CH_SEEN;
		/* counted apart: the load accounting starts from every ClientHello */
		dp_count(TLSMON_C_CLIENT_HELLOS, 1);
	} else {
		dp_sh_state(pk, hook, s, f);
	}
	TLSP_OPAQUE(n);
	if (n <= 256) {
		e = dp_reserve(TLSMON_HELLO_HDR + 256 + DP_HELLO_ROOM);
		cap = 256;
	} else if (n <= 512) {
		e = dp_reserve(TLSMON_HELLO_HDR + 512 + DP_HELLO_ROOM);
		cap = 512;
	} else if (n <= 1024) {
		e = dp_reserve(TLSMON_HELLO_HDR + 1024 + DP_HELLO_ROOM);
		cap = 1024;
	} else if (n <= 2048) {
		e = dp_reserve(TLSMON_HELLO_HDR + 2048 + DP_HELLO_ROOM);
		cap = 2048;
	} else if (n <= TLSMON_HELLO_MAX) {
		e = dp_reserve(TLSMON_HELLO_HDR + TLSMON_HELLO_MAX + DP_HELLO_ROOM);
		cap = TLSMON_HELLO_MAX;
	}
	if (!e) {
		dp_count(TLSMON_C_RB_FAIL, 1);
		if (ch)
			dp_count(TLSMON_C_CH_LOST, 1);
		return 0;
	}
	/* The two layouts apart: the verifier wants a constant offset into the record. */
	if (v2) {
		/* the 2-byte record header may have come in the previous segment */
		m = n - 2;
		TLSP_OPAQUE(m);
		if (n < 3 || m > cap - 2 || dp_load(pk, hook, at + 2, e->data + 2, m) < 0)
			goto fail;
		e->data[0] = s->rh[0];
		e->data[1] = s->rh[1];
	} else {
		m = n;
		TLSP_OPAQUE(m);
		if (m < 1 || m > cap || dp_load(pk, hook, at, e->data, m) < 0)
			goto fail;
		/* the frame's headers and record header: the frame is then whole */
		if (DP_CFG(pkt_max) && s->pkt_defer && at == s->pkt_poff + 5 &&
		    at + m == s->pkt_flen) {
			head = at;
			TLSP_OPAQUE(head);
			if (head >= 1 && head <= TLSMON_HELLO_HEAD_MAX &&
			    dp_load(pk, hook, 0, e->data + m, head) == 0) {
				s->pkt_defer = 0;
				dp_count(TLSMON_C_PKT_SHIPPED, 1);
			} else {
				head = 0;	/* dp_pkt_ship sends the frame whole after all */
			}
		}
	}
	e->h = s->hdr;
	e->h.type = TLSMON_EV_HELLO;
	e->h.seq = s->rec_seq + s->msg_off;
	e->h.size = TLSMON_HELLO_HDR + n + head;
	e->peer = f->peer;
	e->rec_version = s->rec_version;
	e->len = n;
	e->sslv2 = v2;
	e->pad = 0;
	e->head_len = (__u16)head;
	dp_commit(e, TLSMON_HELLO_HDR + cap + DP_HELLO_ROOM);
	dp_count(TLSMON_C_EVENTS, 1);
	return 0;
fail:
	/* the record was checked to lie in the frame: not seen, but counted */
	dp_discard(e);
	dp_count(TLSMON_C_LOAD_FAIL, 1);
	if (ch)
		dp_count(TLSMON_C_CH_LOST, 1);
	return 0;
}

/*
 * One message of the record dp_hs_walk() walks, at s->walk_off: reported,
 * or shipped when it is a hello.  Returns 1 when another message may follow
 * in the record.  A stage (DP_STAGE): in BPF a separately verified function
 * per hook, so the walk costs the verifier one call per message.
 */
TLSP_INLINE int dp_hs_msg(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			  struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_ev_small *e;
	__u8 *mh = s->tmp;
	__u32 total = s->rec_total, off = s->walk_off, mlen, n;
	__u8 type;

	if (off >= total)
		return 0;
	e = dp_small(s, TLSMON_EV_HS_MSG, s->rec_seq + off);
	e->content_type = TLS_CT_HANDSHAKE;
	e->rec_len = total - TLS_RECORD_HDR_LEN;
	n = total - off < TLS_HS_HDR_LEN ? total - off : TLS_HS_HDR_LEN;
	TLSP_OPAQUE(n);
	if (n == TLS_HS_HDR_LEN) {
		if (dp_load_hdr(pk, hook, s->rec_poff + off, mh, TLS_HS_HDR_LEN) < 0)
			return 0;
	} else if (n < 1 || n > TLS_HS_HDR_LEN || dp_load(pk, hook, s->rec_poff + off, mh, n) < 0) {
		return 0;
	}
	e->hs_type = mh[0];
	if (n < TLS_HS_HDR_LEN) {
		e->flags = TLSMON_SF_PARTIAL;
		dp_submit(e, sizeof(*e));
		return 0;
	}
	type = mh[0];
	if (dp_wants_bytes(type))
		s->walk_want = 1;
	mlen = tlsp_u24(mh, 1);
	e->msg_len = mlen;
	if (mlen > total - off - TLS_HS_HDR_LEN) {
		/* continues in the next record: reported, not parsed */
		e->flags = TLSMON_SF_PARTIAL;
		dp_submit(e, sizeof(*e));
		mlen -= total - off - TLS_HS_HDR_LEN;
		s->hs_left = mlen > 0xffff ? 0xffff : mlen;
		s->hs_want = dp_wants_bytes(type);
		return 0;
	}
	if (type == TLS_HS_CLIENT_HELLO || type == TLS_HS_SERVER_HELLO) {
		s->msg_off = off;
		s->msg_len = TLS_HS_HDR_LEN + mlen;
		s->msg_type = type;
		DP_STAGE(dp_hello_ship, pk, hook, s, f, dir);
	} else {
		dp_submit(e, sizeof(*e));
	}
	s->walk_off = off + TLS_HS_HDR_LEN + mlen;
	return 1;
}

/*
 * The handshake record at s->rec_* lies whole in this segment: walk its
 * messages, reading their headers from the frame, report them and ship the
 * hellos.  s->hs_left/hs_want carry a message fragmented over records from
 * one record to the next (RFC 5246 6.2.1 lets handshake messages span
 * records).  Returns 1 when the record holds (part of) a message whose bytes
 * userspace wants (dp_wants_bytes), else 0.  A stage (DP_STAGE).
 */
TLSP_INLINE int dp_hs_walk(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			   struct tlsmon_flow *f, __u32 dir)
{
	__u32 total = s->rec_total, off, i;

	s->walk_want = 0;
	if (s->rec_hdr_len == 2) {
		s->msg_off = 0;
		s->msg_len = total;
		s->msg_type = TLS_HS_CLIENT_HELLO;
		DP_STAGE(dp_hello_ship, pk, hook, s, f, dir);
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
		s->walk_want = s->hs_want;
		s->hs_left = 0;
	}
	s->hs_want = 0;
	s->walk_off = off;
	for (i = 0; i < TLSMON_MAX_MSGS_PER_RECORD; i++)
		if (!DP_STAGE(dp_hs_msg, pk, hook, s, f, dir))
			break;
	return s->walk_want;
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

/*
 * A segment starts past the side's next record boundary: the bytes between
 * were lost before us (a retransmission may bring them later) or passed by
 * out of order.  When the segment itself starts with a plausible record
 * header (a known content type, version 3.0-3.4, a length TLS allows;
 * senders start a flight's write at a record), walk from there, and keep
 * the skipped span as the side's hole for the retransmission to fill (one
 * hole is kept: a newer one replaces it).  Not while walking a hole, nor
 * across more than 1 MiB of sequence space.  1 when resynced.
 */
TLSP_INLINE int dp_resync(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			  struct tlsmon_dir_state *ds, __u32 seq, __u32 plen, __u32 poff)
{
	__u8 *h = s->tmp;
	__u32 len;

	if (s->in_hole || plen < TLS_RECORD_HDR_LEN ||
	    dp_seq_diff(seq, ds->next_seq) > (1 << 20))
		return 0;
	if (dp_load(pk, hook, poff, h, TLS_RECORD_HDR_LEN) < 0)
		return 0;
	len = ((__u32)h[3] << 8) | h[4];
	if (h[0] < TLS_CT_CHANGE_CIPHER_SPEC || h[0] > TLS_CT_APPLICATION_DATA || h[1] != 3 ||
	    h[2] > 4 || len == 0 || len > TLS_MAX_RECORD_LEN)
		return 0;
	ds->hole_start = ds->next_seq;
	ds->hole_end = seq;
	ds->next_seq = seq;
	ds->part_n = 0;
	ds->hs_left = 0;
	ds->flags &= ~TLSMON_DS_HS_WANT;
	dp_count(TLSMON_C_RESYNC, 1);
	return 1;
}

/* dp_record() results besides an end reason (enum tlsmon_end_reason > 0) */
#define DP_REC_MORE 0	/* a record was handled; there may be another */
#define DP_REC_STOP (-1)	/* nothing more to walk in this segment */

/*
 * Handle the record at the side's next boundary (ds->next_seq) in this
 * segment (s->pkt_*) and move the boundary past it.  A stage (DP_STAGE): in
 * BPF a separately verified function per hook, so the walk over the records
 * of a segment costs the verifier one call per iteration.
 */
TLSP_INLINE int dp_record(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			  struct tlsmon_flow *f, __u32 dir)
{
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	struct tls_record *rec = &s->rec;	/* scratch, not stack: a stage's stack is small */
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
		if (dp_seq_diff(ds->next_seq, seq) < 0 && !dp_resync(pk, hook, s, ds, seq, plen, poff)) {
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
		if (dp_load_hdr(pk, hook, poff + off, rh, TLS_RECORD_HDR_LEN) < 0)
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
		if (rec_end <= plen && rec->len > 0 &&
		    rec->len <= TLSMON_HS_RECORD_MAX - TLS_RECORD_HDR_LEN) {
			s->rec_seq = rec_seq;
			s->rec_poff = poff + body - hl;
			s->rec_total = total;
			s->rec_version = rec->version;
			s->rec_hdr_len = hl;
			s->hs_left = ds->hs_left;
			s->hs_want = !!(ds->flags & TLSMON_DS_HS_WANT);
			k = DP_STAGE(dp_hs_walk, pk, hook, s, f, dir);
			ds->hs_left = s->hs_left;
			ds->flags = (ds->flags & ~TLSMON_DS_HS_WANT) |
				    (s->hs_want ? TLSMON_DS_HS_WANT : 0);
			if (k) {
				/* certificates: parsed in userspace, from these bytes */
				dp_blob_open(s, f, ds, rec_seq, rec_seq + total, pn, 1);
				DP_STAGE(dp_blob_ship, pk, hook, s, f, dir);
			}
		} else {
			/* userspace walks this record's messages, and their ends */
			ds->hs_left = 0;
			ds->flags &= ~TLSMON_DS_HS_WANT;
			dp_blob_open(s, f, ds, rec_seq, rec_seq + total, pn, 0);
			DP_STAGE(dp_blob_ship, pk, hook, s, f, dir);
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
			DP_STAGE(dp_blob_ship, pk, hook, s, f, dir);
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
		if (dp_load_hdr(pk, hook, poff + body, tmp, 2) < 0)
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

/*
 * A segment that covers the side's hole: walk its records from the hole's
 * boundary, never past the hole's end (what follows was walked already).
 * Events come late, in the order seen, with their own sequence numbers.
 * Returns an end reason (a fatal alert in the hole) or DP_REC_STOP.
 */
TLSP_INLINE int dp_fill_hole(const struct dp_pkt *pk, const int hook, struct tlsmon_scratch *s,
			     struct tlsmon_flow *f, __u8 dir)
{
	struct tlsmon_dir_state *ds = &f->d[dir & 1];
	__u32 next = ds->next_seq, hs_left = ds->hs_left, seq = s->pkt_seq;
	__u8 hs_want = ds->flags & TLSMON_DS_HS_WANT;
	int i, r = DP_REC_STOP;

	if (dp_seq_diff(ds->hole_start, seq) < 0 ||
	    dp_seq_diff(ds->hole_start, seq + s->pkt_plen) >= 0)
		return DP_REC_STOP;
	ds->next_seq = ds->hole_start;
	ds->hs_left = 0;
	ds->flags &= ~TLSMON_DS_HS_WANT;
	s->in_hole = 1;
	for (i = 0; i < TLSMON_MAX_RECORDS_PER_SEG; i++) {
		if (dp_seq_diff(ds->next_seq, ds->hole_end) >= 0)
			break;
		r = DP_STAGE(dp_record, pk, hook, s, f, dir);
		if (r != DP_REC_MORE)
			break;
		dp_count(TLSMON_C_HOLE_FILLED, 1);
	}
	s->in_hole = 0;
	ds->hole_start = ds->next_seq;
	if (dp_seq_diff(ds->hole_start, ds->hole_end) >= 0)
		ds->hole_start = ds->hole_end = 0;	/* filled, or a record went past it */
	ds->next_seq = next;
	ds->hs_left = (__u16)hs_left;
	ds->flags = (ds->flags & ~TLSMON_DS_HS_WANT) | hs_want;
	ds->part_n = 0;
	return r > 0 ? r : DP_REC_STOP;
}

/* Whether bytes of this side before seq were never walked: lost, or still to come. */
TLSP_INLINE int dp_gap_before(const struct tlsmon_dir_state *ds, __u32 seq)
{
	if (!(ds->flags & TLSMON_DS_SYNCED) || (ds->flags & TLSMON_DS_LOST))
		return 0;
	return dp_seq_diff(seq, ds->next_seq) > 0 || ds->hole_start != ds->hole_end;
}

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
		DP_STAGE(dp_blob_ship, pk, hook, s, f, dir);
	if (ds->flags & TLSMON_DS_LOST)
		return 0;
	if (ds->hole_start != ds->hole_end) {
		r = dp_fill_hole(pk, hook, s, f, dir);
		if (r > 0)
			return (__u32)r;
	}
	r = DP_REC_STOP;
	for (i = 0; i < TLSMON_MAX_RECORDS_PER_SEG; i++) {
		r = DP_STAGE(dp_record, pk, hook, s, f, dir);
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

#endif /* TLSMON_DP_RECORD_H */
