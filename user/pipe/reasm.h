/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly of what the datapath could not see whole: records larger than
 * their segment (post-quantum ClientHellos, certificate flights) arrive as
 * BLOB events; once a record is complete it goes through the same parser and
 * comes out as the events the kernel would have sent (CLIENT_HELLO, ...).
 * Bounded: streams and bytes are capped, every eviction counted.
 */
#ifndef TLSMON_REASM_H
#define TLSMON_REASM_H

#include <stddef.h>
#include <stdint.h>
#include "pipe/ev.h"
#include "tlsmon.h"

/*
 * TLSMON_EV_HS_BYTES, made here and never by a datapath (tlsmon.h reserves
 * the number): a whole Certificate or
 * CertificateRequest message (header included) as sent, for the collector's
 * certificate checks.  data points into the reassembler's buffer and is valid
 * only during the call that delivers the event.
 */
struct tlsmon_ev_hs_bytes {
	struct tlsmon_ev_hdr h;		/* h.seq: where the message starts */
	__u32 len;			/* bytes at data */
	__u32 pad;
	const __u8 *data;
};

/*
 * TLSMON_EV_HELLO_PART, made here (tlsmon.h reserves the number): a
 * ClientHello whose bytes began to arrive and that is not whole yet (a large
 * post-quantum hello over several segments).  Sent with every segment's bytes
 * for it, so the collector follows the connection from its first segment and
 * knows it was idle as long as the stream; final: the stream is gone (idle
 * past the timeout, flow ended, end of input) and the hello stays incomplete.
 * have: the message's bytes received in order, need: its length (both with
 * its 4-byte header).  has_ch: ch holds what those bytes say, parsed up to
 * their last whole extension (the SNI when it came); it is parsed again as
 * more comes, at most once per TLSMON_REASM_PART_STEP bytes, and at the end.
 */
struct tlsmon_ev_hello_part {
	struct tlsmon_ev_hdr h;
	__u32 have;
	__u32 need;
	__u8 has_ch;
	__u8 final;
	__u8 pad[6];
	struct tls_client_hello ch;
};

#define TLSMON_REASM_PART_STEP 1024

struct reasm;

struct reasm_stats {
	uint64_t records;	/* records rebuilt */
	uint64_t messages;	/* handshake messages parsed from them */
	uint64_t certificate_msgs;	/* Certificate / CertificateRequest handed on */
	uint64_t incomplete;	/* streams that ended with bytes missing */
	uint64_t expired;	/* streams idle past the timeout (reasm_expire) */
	uint64_t evicted;	/* streams dropped by the caps */
	uint64_t dropped_bytes;	/* bytes outside a stream's window or cap */
	uint32_t streams;	/* open now */
	uint64_t bytes;		/* buffered now */
};

/* max_streams open at once, max_stream_bytes each, max_bytes in all. */
struct reasm *reasm_new(uint32_t max_streams, uint32_t max_stream_bytes, uint64_t max_bytes,
			ev_sink sink, void *sink_ctx);
void reasm_free(struct reasm *r);
void reasm_blob(struct reasm *r, const struct tlsmon_ev_blob *b);
/* The datapath stopped following a flow: report what stayed incomplete. */
void reasm_flow_end(struct reasm *r, const struct tlsmon_ev_hdr *h);
/*
 * Drop the streams idle since cutoff_ns or before (event clock: their last
 * bytes' time), reporting what stayed incomplete; UINT64_MAX: all of them
 * (end of input).  Returns how many went.
 */
uint32_t reasm_expire(struct reasm *r, uint64_t cutoff_ns);
void reasm_stats(const struct reasm *r, struct reasm_stats *st);

#endif
