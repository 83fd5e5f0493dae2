/* SPDX-License-Identifier: BSD-3-Clause */
/* A connection being followed: the collector's state, shared with the diagnosis. */
#ifndef TLSMON_CONN_H
#define TLSMON_CONN_H

#include <stdint.h>
#include "model/hello_pack.h"
#include "model/record.h"

#define CONN_MAX_APP_SEQ 16

struct conn {
	struct hs_record rec;
	/* the ClientHellos, packed: most of a connection's memory otherwise */
	struct hello_pack *hello, *hello2;	/* owned */
	/* them unpacked, from the settle on (the diagnosis reads these) */
	const struct tls_client_hello *ch, *ch2;
	struct tls_client_hello *held_ch;	/* owned: ch and ch2 while held */
	struct tls_server_hello *sh;		/* owned */
	struct tlsmon_ev_quic_info *quic;	/* owned; NULL: TCP */
	/* a ClientHello begun in reassembly, not whole (yet): what its bytes said */
	struct hello_pack *part;		/* owned, packed; NULL: too few bytes to parse */
	uint32_t part_have, part_need;		/* its bytes received, its length */
	uint64_t part_ns;			/* event clock: its first bytes */
	uint8_t part_seen;			/* cleared when the whole hello came */
	uint8_t held;				/* diagnosed, waiting for its verification */
	uint64_t hold_until;			/* event clock: written by then at the latest */
	uint8_t timed_out;			/* settled by the handshake timeout */
	struct cert_chain *certs[2];		/* references, per side */
	struct cert_request *cert_req;		/* reference */
	struct local_id *local;			/* owned: rec.local; NULL none */
	uint64_t last_ns;			/* event clock */
	uint8_t ccs[2];				/* ChangeCipherSpec sent, per side */
	uint8_t finished[2];			/* an encrypted handshake record, per side */
	uint8_t cert_request;			/* server asked for a client certificate */
	uint8_t server_done;
	uint8_t end_reason;			/* the datapath's FLOW_END, 0 if none */
	uint8_t end_side;
	uint8_t non_tls;			/* the server answered in plain text */
	uint8_t hello_counted;			/* a ClientHello made it count (accounting) */
	uint8_t n_app_seq;
	uint32_t bytes;				/* heap accounted to the collector's budget */
	/* the timeline: grown on demand up to REC_MAX_TIMELINE, the rest counted */
	struct rec_tl *tl;			/* owned */
	uint8_t n_tl, cap_tl;
	uint32_t tl_cut;
	/* application-data records in the order seen, both sides */
	struct {
		uint8_t side;
		uint8_t after_sh;
		uint16_t len;
	} app_seq[CONN_MAX_APP_SEQ];
};

#endif
