/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --pcap-dir: the frames the datapath sent (PKT events) of each open
 * connection, kept until its record says whether the handshake failed.
 * Bounded apart from the collector (which knows nothing of it): connections
 * and bytes, the least recent connection pushed out past either (counted),
 * and frames per connection (the rest counted).  Off, nothing is allocated.
 */
#ifndef TLSMON_PKTBUF_H
#define TLSMON_PKTBUF_H

#include <stddef.h>
#include <stdint.h>

struct pkt {
	struct pkt *next;
	uint64_t ts_ns;		/* event clock */
	uint32_t ifindex;
	uint32_t frame_len;	/* on the wire */
	uint16_t len;		/* bytes in data */
	uint8_t dir;		/* enum tlsmon_dir */
	uint8_t hook;		/* enum tlsmon_hook */
	uint8_t flags;		/* TLSMON_PKT_F_*; F_HELLO: its message still missing */
	uint8_t pad[3];
	uint32_t seq;		/* the sender's TCP sequence number */
	uint8_t data[];
};

struct pktbuf_stats {
	uint64_t packets;		/* frames received (PKT events, hellos' frames) */
	uint64_t malformed;		/* PKT or hello frames whose lengths did not add up */
	uint64_t conns_evicted;		/* connections pushed out with their frames */
	uint64_t packets_evicted;	/* their frames */
	uint64_t packets_capped;	/* past the per-connection bound: not kept */
	uint64_t hellos_joined;		/* header-only hello frames made whole (TLSMON_PKT_F_HELLO) */
	uint64_t bytes;			/* held now */
	uint32_t conns;			/* held now */
	uint32_t syn_conns;		/* 4-tuples whose SYNs wait for their flow */
};

/* What --pcap-dir counts (output/out_pcap.c): the files, by cause when one is lost. */
enum out_pcap_err {
	OUT_PCAP_ERR_DIR_MISSING,	/* DIR does not exist (any more) */
	OUT_PCAP_ERR_NO_SPACE,		/* ENOSPC, EDQUOT */
	OUT_PCAP_ERR_DENIED,		/* EACCES, EPERM, EROFS */
	OUT_PCAP_ERR_TOO_BIG,		/* one file larger than max_bytes */
	OUT_PCAP_ERR_NO_MEMORY,
	OUT_PCAP_ERR_OTHER,
	OUT_PCAP_ERR_MAX
};

struct out_pcap_stats {
	uint64_t written;		/* files */
	uint64_t bytes_written;
	uint64_t removed;		/* files removed to stay within the bounds */
	uint64_t no_packets;		/* failures whose frames were not kept (evicted, cut) */
	uint64_t rebuild_failures;	/* hello frames written snapped: their HELLO event missing */
	uint64_t errors[OUT_PCAP_ERR_MAX];
	uint32_t files;			/* in DIR now, as far as tlsmon knows */
	uint64_t dir_bytes;
	struct pktbuf_stats pkts;
};

struct pktbuf;

struct pktbuf *pktbuf_new(uint32_t max_conns, uint64_t max_bytes, uint32_t per_conn);
void pktbuf_free(struct pktbuf *pb);
/* A PKT event (struct tlsmon_ev_pkt) in. */
void pktbuf_add(void *pb, const void *ev, size_t size);
/*
 * A HELLO event (struct tlsmon_ev_hello) in: the frame it carries (head_len,
 * the headers after the message) as the connection's next frame; else the
 * message of the frame its packet sent headers-only (TLSMON_PKT_F_HELLO),
 * put back in that frame.  Always 0 (an ev_sink's return).
 */
int pktbuf_hello(void *pb, const void *ev, size_t size);
/* The connection's frames, oldest first, now the caller's (pktbuf_list_free); NULL: none. */
struct pkt *pktbuf_take(struct pktbuf *pb, const uint8_t caddr[16], const uint8_t saddr[16],
			uint16_t cport, uint16_t sport);
void pktbuf_list_free(struct pkt *p);
void pktbuf_stats(const struct pktbuf *pb, struct pktbuf_stats *st);

#endif
