/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC Initial packets as a passive observer reads them (RFC 9000, 9001,
 * 9369): long headers, the Initial keys anyone can derive from the client's
 * first Destination Connection ID, header protection removal, decryption,
 * the frames an Initial may carry, and CRYPTO reassembly up to the first
 * handshake message of each side (ClientHello, ServerHello), which the
 * shared TLS parser then reads.  Crypto is libcrypto's; every wire length is
 * checked against the end of the datagram.
 */
#ifndef TLSMON_QUIC_H
#define TLSMON_QUIC_H

#include <stddef.h>
#include <linux/types.h>
#include "tlsmon.h"

#define QUIC_V1 TLSMON_QUIC_V1
#define QUIC_V2 TLSMON_QUIC_V2
#define QUIC_CID_MAX 20		/* RFC 9000 17.2: longer is not QUIC v1/v2 */
#define QUIC_TAG_LEN 16
#define QUIC_SAMPLE_LEN 16
/*
 * CRYPTO bytes kept per direction: the first handshake message.  A
 * ClientHello with post-quantum key shares is ~1.9 KB; bytes past this are
 * dropped and counted (crypto_capped).  The buffer is allocated with the
 * first CRYPTO bytes of its side, QUIC_CRYPTO_MIN, and doubled as offsets
 * need up to QUIC_CRYPTO_MAX; both sides' are freed once the hellos are read.
 */
#define QUIC_CRYPTO_MAX 8192
#define QUIC_CRYPTO_MIN 512
#define QUIC_PKTS_MAX 8		/* coalesced packets read per datagram */

/* Packet types, the same for every version (the wire bits differ, RFC 9369 3.2). */
enum quic_pkt_type {
	QUIC_PT_INITIAL = 0,
	QUIC_PT_0RTT = 1,
	QUIC_PT_HANDSHAKE = 2,
	QUIC_PT_RETRY = 3,
	QUIC_PT_VN = 4,		/* Version Negotiation: version 0 */
};

struct quic_long_hdr {
	__u32 version;
	__u8 type;		/* enum quic_pkt_type */
	__u8 dcid_len;
	__u8 scid_len;
	__u8 pad;
	__u8 dcid[QUIC_CID_MAX];
	__u8 scid[QUIC_CID_MAX];
	__u32 token_len;	/* Initial */
	__u32 pn_off;		/* Initial, 0-RTT, Handshake: packet number offset */
	__u32 len;		/* bytes of the datagram this packet takes */
};

struct quic_keys {
	__u8 key[16];
	__u8 iv[12];
	__u8 hp[16];
};

/* Everything dropped or refused, never silently. */
struct quic_stats {
	__u64 datagrams;
	__u64 initial;		/* Initial packets decrypted */
	__u64 undecryptable;	/* header protection or AEAD failed */
	__u64 unknown_version;	/* long header of a version we hold no keys for */
	__u64 bad_header;	/* long header cut short or inconsistent */
	__u64 bad_frames;	/* a frame cut short or not allowed in an Initial */
	__u64 crypto_capped;	/* CRYPTO bytes past QUIC_CRYPTO_MAX (or no memory), dropped */
	__u64 crypto_conflict;	/* CRYPTO bytes resent with other contents */
	__u64 skipped;		/* 0-RTT and Handshake packets: not ours to open */
	__u64 vn;
	__u64 retry;
};

/* One direction's CRYPTO stream at the Initial level, from offset 0. */
struct quic_crypto {
	__u32 contig;		/* bytes from offset 0 without a hole */
	__u32 hi;		/* highest byte held + 1 */
	__u32 cap;		/* bytes buf holds; 0: nothing allocated yet */
	__u32 pad;
	__u8 *buf;		/* owned: cap bytes, then have */
	__u8 *have;		/* a bit per byte of buf held */
};

/* The heap a stream of this capacity takes: its bytes and their bitmap. */
#define QUIC_CRYPTO_HEAP(cap) ((cap) + (cap) / 8)

#define QUIC_CF_VN (1u << 0)		/* the server sent Version Negotiation */
#define QUIC_CF_RETRY (1u << 1)		/* the server sent Retry */
#define QUIC_CF_CLOSE_C (1u << 2)	/* the client closed (Initial CONNECTION_CLOSE) */
#define QUIC_CF_CLOSE_S (1u << 3)	/* the server closed */
#define QUIC_CF_CLOSE_APP (1u << 4)	/* that close was 0x1d (application) */
#define QUIC_CF_KEYS (1u << 5)		/* keys derived */
#define QUIC_CF_UNDECRYPTABLE (1u << 6)	/* an Initial did not open */

/* One connection, as its two sides' datagrams show it. */
struct quic_conn {
	__u32 version;		/* of the client's first Initial */
	__u32 flags;		/* QUIC_CF_* */
	__u8 odcid_len;		/* the DCID the keys derive from */
	__u8 cscid_len;		/* client's SCID */
	__u8 sscid_len;		/* server's SCID */
	__u8 n_vn;		/* versions in the Version Negotiation */
	__u8 odcid[QUIC_CID_MAX];
	__u8 cscid[QUIC_CID_MAX];
	__u8 sscid[QUIC_CID_MAX];
	__u8 fdcid[QUIC_CID_MAX];	/* the client's first DCID: a Retry changes odcid */
	__u32 vn_versions[8];	/* the first ones the server offered */
	__u64 close_code;	/* CONNECTION_CLOSE error code */
	__u8 have_keys;		/* bit 0: ck derived, bit 1: sk (on first use: half the
				 * cost of a connection whose server is not seen) */
	__u8 fdcid_len;
	__u8 crypto_done;	/* the hellos were read: cs freed, later CRYPTO ignored */
	__u8 pad[5];
	struct quic_keys ck, sk;
	struct quic_crypto cs[2];	/* [TLSMON_DIR_C2S], [TLSMON_DIR_S2C] */
};

/* The variable-length integer at *off (RFC 9000 16): 0, or -1 past end. */
int quic_varint(const __u8 *b, size_t end, size_t *off, __u64 *v);
/* Is this first byte and version a long header we read (v1, v2, or VN)? */
int quic_is_long(const __u8 *b, size_t n);
/* The long header at b: 0, or -1 when cut short, inconsistent or unknown. */
int quic_parse_long(const __u8 *b, size_t n, struct quic_long_hdr *h);
/* The Initial keys of one side (server 0/1) for version and dcid: 0 or -1. */
int quic_initial_keys(__u32 version, const __u8 *dcid, size_t dcid_len, int server,
		      struct quic_keys *k);
/*
 * Remove header protection from the packet pkt[0..len) (in place) and
 * decrypt its payload into out (cap bytes): the plaintext length, or -1.
 * *pn gets the packet number as sent (Initial numbers are small: no
 * reconstruction).
 */
long quic_open(const struct quic_keys *k, __u8 *pkt, size_t len, size_t pn_off, __u8 *out,
	       size_t cap, __u64 *pn);
/*
 * Walk an Initial payload: CRYPTO data into cr, a CONNECTION_CLOSE into c
 * (dir says whose).  0, or -1 at the first frame that is cut short or not
 * allowed in an Initial (what came before it is kept).
 */
int quic_frames(struct quic_conn *c, int dir, const __u8 *p, size_t n, struct quic_stats *st);
/*
 * Put CRYPTO bytes [off, off+n) into cr, bounded, its buffer allocated or
 * grown to hold them; duplicates tolerated.
 */
void quic_crypto_put(struct quic_crypto *cr, __u64 off, const __u8 *p, size_t n,
		     struct quic_stats *st);
void quic_crypto_free(struct quic_crypto *cr);
/*
 * The first handshake message of the stream once it is whole: its length
 * (header included, at cr->buf), else 0.
 */
size_t quic_crypto_msg(const struct quic_crypto *cr);
/* The same for the message at off (after a HelloRetryRequest, the second hello). */
size_t quic_crypto_msg_at(const struct quic_crypto *cr, size_t off);

void quic_conn_init(struct quic_conn *c);
/* Free what the connection holds (its CRYPTO buffers); c itself is the caller's. */
void quic_conn_fini(struct quic_conn *c);
/* The hellos were read: the CRYPTO buffers go, later CRYPTO bytes are ignored. */
void quic_conn_crypto_done(struct quic_conn *c);
/* The heap the connection holds besides itself (its CRYPTO buffers). */
size_t quic_conn_heap(const struct quic_conn *c);
/*
 * One UDP datagram of the connection, from dir (enum tlsmon_dir).  The
 * datagram is changed in place (header protection removed).  Returns the
 * number of long-header packets read, or -1 when the first is not QUIC.
 */
int quic_conn_datagram(struct quic_conn *c, int dir, __u8 *dg, size_t n, struct quic_stats *st);

/* This thread's HKDF context freed (a thread that derived keys, before it ends). */
void quic_thread_free(void);

#endif /* TLSMON_QUIC_H */
