/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath, flow tracking: the orientation-free key and hash, the hint
 * array the pre-filter reads, SYN-ACKs remembered before a flow exists, and
 * a flow's creation at its first hello and its end.
 */
#ifndef TLSMON_DP_FLOW_H
#define TLSMON_DP_FLOW_H

#include "dp_base.h"

/*
 * Orientation-free hash of the 4-tuple, the same in both directions: the
 * ports folded into the addresses' XOR, then mixed.
 */
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

/*
 * The hint array: per hash slot, how many tracked flows hash there, so the
 * pre-filter can tell an untracked flow without a flow-map lookup.  All CPUs
 * and hooks share it: an atomic add, and a read the compiler must not cache.
 */
TLSP_INLINE __u32 *dp_hint_slot(__u32 idx)
{
	return dp_hint_at(idx);
}

TLSP_INLINE __u32 dp_hint_get(__u32 *slot)
{
	return *(volatile __u32 *)slot;
}

TLSP_INLINE void dp_hint_add(__u32 *slot, int v)
{
	__sync_fetch_and_add(slot, v);
}

TLSP_INLINE void dp_note_synack(const struct np_meta *m, __u32 h)
{
	struct tlsmon_synack *slot = dp_array(synacks, h & (TLSMON_SYNACK_SLOTS - 1));

	if (!slot)
		return;
	slot->tag = h | 1;
	slot->ttl = m->ttl;
	slot->ip_id = m->ip_id;
	dp_count(TLSMON_C_SYNACKS, 1);
}

/* The flow table (tlsmon_dp_types.h): a set of TLSMON_FLOW_WAYS slots per hash. */
TLSP_INLINE int dp_key_eq(const struct tlsmon_flow_key *x, const struct tlsmon_flow_key *y)
{
	const __u64 *a = (const __u64 *)x, *b = (const __u64 *)y;

	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

TLSP_INLINE __u32 dp_set_base(__u32 h)
{
	return (h & DP_CFG(flow_set_mask)) * TLSMON_FLOW_WAYS;
}

#ifndef dp_prefetch_set
#define dp_prefetch_set(h) ((void)(h))
#endif

TLSP_INLINE __u64 dp_tag_load(const struct tlsmon_flow_slot *sl)
{
	return *(volatile const __u64 *)&sl->tag;
}

/* The slot of the flow k (hash h), or NULL. */
TLSP_INLINE struct tlsmon_flow_slot *dp_flow_find(const struct tlsmon_flow_key *k, __u32 h)
{
	struct tlsmon_flow_slot *sl;
	__u32 base = dp_set_base(h), w;

	for (w = 0; w < TLSMON_FLOW_WAYS; w++) {
		sl = dp_slot(base + w);
		if (sl && (dp_tag_load(sl) >> 32) == h && dp_key_eq(&sl->key, k))
			return sl;
	}
	return 0;
}

TLSP_INLINE struct tlsmon_flow *dp_flow_lookup(const struct tlsmon_flow_key *k, __u32 h)
{
	struct tlsmon_flow_slot *sl = dp_flow_find(k, h);

	return sl ? &sl->flow : 0;
}

/*
 * Free the slot of flow k: 0 when this call ended it, <0 when it was gone
 * (another CPU, the sweep, or a new flow in its slot ended it first).
 */
TLSP_INLINE int dp_flow_delete(const struct tlsmon_flow_key *k, __u32 h)
{
	struct tlsmon_flow_slot *sl = dp_flow_find(k, h);
	__u64 t;

	if (!sl)
		return -1;
	t = dp_tag_load(sl);
	if (!t || __sync_val_compare_and_swap(&sl->tag, t, 0) != t)
		return -1;
	return 0;
}

/*
 * Claim a slot for the new flow k (hash h) in its set: a free slot, or the
 * slot of the set's least recently active flow, which ends (counted, its hint
 * given back).  The slot is TLSMON_TAG_BUSY until the flow is written and
 * published, so two CPUs never write one slot.  Returns the slot's index, or
 * -1 when the flow exists already or another CPU took the slot at the same
 * time.
 */
TLSP_INLINE int dp_flow_claim(const struct tlsmon_flow_key *k, __u32 h)
{
	struct tlsmon_flow_slot *sl, *pick = 0;
	__u32 base = dp_set_base(h), w, at = 0, *hint;
	__u64 t, old = 0, oldest = ~0ull;

	if (dp_flow_find(k, h))
		return -1;	/* another CPU created it since our lookup */
	for (w = 0; w < TLSMON_FLOW_WAYS; w++) {
		sl = dp_slot(base + w);
		if (!sl)
			return -1;
		t = dp_tag_load(sl);
		if (!t) {
			pick = sl;
			at = base + w;
			old = 0;
			break;
		}
		if (t == TLSMON_TAG_BUSY)
			continue;	/* another CPU is writing a flow there */
		if (sl->flow.last_ns < oldest) {
			oldest = sl->flow.last_ns;
			pick = sl;
			at = base + w;
			old = t;
		}
	}
	if (!pick || __sync_val_compare_and_swap(&pick->tag, old, TLSMON_TAG_BUSY) != old)
		return -1;
	if (old) {
		dp_count(TLSMON_C_FLOW_EVICTED, 1);
		hint = dp_hint_slot(pick->flow.hint & (TLSMON_HINT_SLOTS - 1));
		if (hint && dp_hint_get(hint) > 0)
			dp_hint_add(hint, -1);
	}
	return (int)at;
}

/*
 * A new flow for this packet (s->meta, s->key, s->hash), written in place
 * in the slot it claims.  Returns the slot's index + 1, or 0.  A separately
 * verified function in BPF (TLSMON_SUBPROG).
 */
TLSMON_SUBPROG int dp_flow_create_at(struct tlsmon_scratch *s, __u64 now, int sender_is_a,
				     int sender_is_client)
{
	struct tlsmon_flow_slot *sl;
	struct tlsmon_flow *nf;
	const struct np_meta *m;
	struct tlsmon_synack *sa;
	__u32 *hint, h;
	__u64 t;
	int dir = sender_is_client ? TLSMON_DIR_C2S : TLSMON_DIR_S2C, at;

	if (!s)
		return 0;
	m = &s->meta;
	h = s->hash;
	at = dp_flow_claim(&s->key, h);
	if (at < 0)
		return 0;
	sl = dp_slot((__u32)at);
	if (!sl)
		return 0;
	t = ((__u64)h << 32) | (__u32)now | 1;
	if (t == TLSMON_TAG_BUSY)
		t |= 2;
	sl->key = s->key;
	nf = &sl->flow;
	TLSP_ZERO(nf);
	nf->created_ns = now;
	nf->last_ns = now;
	nf->client_is_a = sender_is_client ? sender_is_a : !sender_is_a;
	nf->hint = h & (TLSMON_HINT_SLOTS - 1);
	nf->peer.peer_ack = m->ack;
	sa = dp_array(synacks, h & (TLSMON_SYNACK_SLOTS - 1));
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
	/* published: from here on lookups find it */
	if (__sync_val_compare_and_swap(&sl->tag, TLSMON_TAG_BUSY, t) != TLSMON_TAG_BUSY)
		return 0;
	dp_count(TLSMON_C_FLOWS_CREATED, 1);
	hint = dp_hint_slot(nf->hint);
	if (hint)
		dp_hint_add(hint, 1);
	return at + 1;
}

/*
 * A ClientHello is about to look up flow h and, most often, create it: the
 * creation reads the hint slot and the SYN-ACK slot after its locked
 * compare-and-swaps, each a cache miss of its own on a new flow.  Read
 * now, before the lookup, their misses overlap the set's.
 */
TLSP_INLINE void dp_flow_warm(__u32 h)
{
	struct tlsmon_synack *sa = dp_array(synacks, h & (TLSMON_SYNACK_SLOTS - 1));
	__u32 *hint = dp_hint_slot(h & (TLSMON_HINT_SLOTS - 1));

	if (sa)
		(void)*(volatile const __u32 *)&sa->tag;
	if (hint)
		(void)dp_hint_get(hint);
}

TLSP_INLINE struct tlsmon_flow *dp_flow_create(struct tlsmon_scratch *s, __u64 now,
					       int sender_is_a, int sender_is_client)
{
	struct tlsmon_flow_slot *sl;
	struct tlsmon_flow *f;
	int at = dp_flow_create_at(s, now, sender_is_a, sender_is_client);

	if (at > 0) {
		sl = dp_slot((__u32)at - 1);
		if (!sl) {	/* a branch of its own: BPF must test sl before the offset */
			dp_count(TLSMON_C_FLOW_CREATE_FAIL, 1);
			return 0;
		}
		return &sl->flow;
	}
	/* another CPU created it between our lookup and insert, or took the slot */
	f = dp_flow_lookup(&s->key, s->hash);
	if (!f)
		dp_count(TLSMON_C_FLOW_CREATE_FAIL, 1);
	return f;
}

/*
 * End the flow of this packet (s->key) for reason: the event of type tells
 * userspace, with its header as seq and s->hdr make it.  type is FLOW_END,
 * or TCP_RST or TCP_FIN, which the packet sends anyway: the end then rides
 * on it (TLSMON_SF_ENDS), one ring record instead of two.  1: ended here.
 */
TLSMON_SUBPROG int dp_flow_end_at(struct tlsmon_scratch *s, struct tlsmon_flow *f, __u32 type,
				  __u32 reason, __u32 seq)
{
	struct tlsmon_ev_small *e;
	__u32 *hint;
	int ended;

	if (!s || !f)
		return 0;
	hint = dp_hint_slot(f->hint & (TLSMON_HINT_SLOTS - 1));
	/*
	 * Another CPU (XDP and TC see the same flow) or the sweep may have
	 * ended the flow since our lookup: only the delete that removed it
	 * counts it and tells userspace, so a flow ends once.
	 */
	ended = dp_flow_delete(&s->key, s->hash) >= 0;
	if (ended) {
		dp_count(TLSMON_C_FLOWS_DELETED, 1);
		if (hint && dp_hint_get(hint) > 0)
			dp_hint_add(hint, -1);
	} else if (type == TLSMON_EV_FLOW_END) {
		return 0;
	}
	e = dp_small(s, (__u8)type, seq);
	if (ended) {
		e->reason = reason;
		if (type != TLSMON_EV_FLOW_END)
			e->flags = TLSMON_SF_ENDS;
	}
	dp_submit(e, sizeof(*e));
	return ended;
}

TLSP_INLINE void dp_flow_end(struct tlsmon_scratch *s, const struct tlsmon_flow_key *k,
			     struct tlsmon_flow *f, __u32 reason, __u32 seq)
{
	(void)k;	/* always s->key: this packet's flow */
	dp_flow_end_at(s, f, TLSMON_EV_FLOW_END, reason, seq);
}

TLSP_INLINE int dp_settled(const struct tlsmon_flow *f)
{
	if (f->state & TLSMON_FS_TLS13)
		return f->d[0].app_records >= 2 && f->s2c_after_c2s;
	return f->d[0].app_records >= 1 && f->d[1].app_records >= 1;
}

#endif /* TLSMON_DP_FLOW_H */
