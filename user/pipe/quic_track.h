/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC connections in the pipe: the datagrams the datapath ships (QUIC
 * events) are followed per connection (by addresses and ports, bounded,
 * least recently used evicted), decoded with user/pipe/quic.h, and turned
 * into the events TCP handshakes make: the parsed CLIENT_HELLO and
 * SERVER_HELLO (or PARSE_ERROR), and an ALERT for a CONNECTION_CLOSE whose
 * error is a TLS alert (0x0100 + alert, RFC 9001 4.8).  A QUIC_INFO event
 * carries what only QUIC has: version, connection IDs, Version Negotiation,
 * Retry, the close code.
 *
 * Roles: the client's Initial opens with the keys of its own DCID; a
 * Version Negotiation or Retry comes from the server.  A connection whose
 * first datagram shows neither (its client Initial missed) is not followed,
 * and counted.
 */
#ifndef TLSMON_QUIC_TRACK_H
#define TLSMON_QUIC_TRACK_H

#include <stdint.h>
#include "pipe/ev.h"
#include "pipe/quic.h"

/* made by the pipe only, like TLSMON_EV_HS_BYTES: never from a datapath */
#define TLSMON_EV_QUIC_INFO 34

#define QUIC_INFO_VN_MAX 8

struct tlsmon_ev_quic_info {
	struct tlsmon_ev_hdr h;		/* the client and server, as found */
	__u32 version;			/* of the client's first Initial; 0 unknown */
	__u32 flags;			/* QUIC_CF_* */
	__u64 close_code;		/* with QUIC_CF_CLOSE_C or _S */
	__u8 dcid_len, scid_len, sscid_len, n_vn;
	__u8 dcid[QUIC_CID_MAX];	/* the client's first DCID */
	__u8 scid[QUIC_CID_MAX];	/* the client's SCID */
	__u8 sscid[QUIC_CID_MAX];	/* the server's SCID */
	__u32 vn[QUIC_INFO_VN_MAX];	/* versions a Version Negotiation offered */
	__u32 retries;			/* Retry packets seen */
	__u32 pad;
};

struct quic_track_stats {
	struct quic_stats q;	/* the decoder's: undecryptable, unknown versions, caps */
	uint64_t conns;		/* connections followed */
	uint64_t evicted;	/* dropped to make room */
	uint64_t no_role;	/* datagrams of connections whose client was not seen */
	uint64_t evicted_bytes;	/* of the evicted, those dropped for the byte budget */
	uint64_t bytes;		/* heap the connections hold now (CRYPTO buffers included) */
	uint64_t max_bytes;	/* the budget: the least recent go past it */
};

struct quic_track;

/*
 * max_conns followed at once and max_bytes of heap for them (a connection's
 * CRYPTO buffers live until its hellos are read): the least recent go past
 * either, counted.
 */
struct quic_track *quic_track_new(uint32_t max_conns, uint64_t max_bytes, ev_sink out,
				  void *out_ctx);
void quic_track_free(struct quic_track *t);
/* One QUIC event, ev_check()ed. */
int quic_track_datagram(struct quic_track *t, const struct tlsmon_ev_quic *e);
const struct quic_track_stats *quic_track_stats(const struct quic_track *t);

#endif /* TLSMON_QUIC_TRACK_H */
