/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapng blocks built in memory (the format's draft, IETF opsawg-pcapng):
 * a section header, interface descriptions and enhanced packet blocks, in
 * host byte order (the byte-order magic tells readers), with comments.
 * For --pcap-dir (out_pcap.c).
 */
#ifndef TLSMON_PCAPNG_H
#define TLSMON_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#define PCAPNG_LINKTYPE_ETHERNET 1
/* epb_flags: the packet's direction */
#define PCAPNG_EPB_INBOUND 1u
#define PCAPNG_EPB_OUTBOUND 2u

struct pcapng_buf {
	uint8_t *p;
	size_t len, cap;
	int err;		/* -ENOMEM once an append failed: the buffer is incomplete */
};

void pcapng_reset(struct pcapng_buf *b);
void pcapng_free(struct pcapng_buf *b);
/* The section header; comment and application may be NULL. */
void pcapng_shb(struct pcapng_buf *b, const char *comment, const char *application);
/* An interface (its id: the order of these blocks, from 0); timestamps in ns. */
void pcapng_idb(struct pcapng_buf *b, uint16_t linktype, uint32_t snaplen, const char *name);
/* A packet: caplen bytes of a frame origlen long; flags PCAPNG_EPB_* or 0; comment or NULL. */
void pcapng_epb(struct pcapng_buf *b, uint32_t ifid, uint64_t ts_ns, const void *data,
		uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment);

#endif
