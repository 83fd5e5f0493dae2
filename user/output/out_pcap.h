/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --pcap-dir DIR: for each failed handshake a pcapng file of its frames
 * (model/pktbuf.c keeps them), named <time>_<reason>_<server>_<port>.pcapng,
 * the diagnosis and its evidence as comments (the section's and the first
 * packet's, which Wireshark shows on it).  Written whole to a hidden
 * temporary file, mode 0640, then renamed into place; at most max_files
 * files and max_bytes bytes of them in DIR, the oldest removed first.  A
 * directory that fills up, refuses or vanishes costs the file, counted by
 * cause; the next failure tries again.
 */
#ifndef TLSMON_OUT_PCAPNG_H
#define TLSMON_OUT_PCAPNG_H

#include <stdint.h>
#include <stdio.h>
#include "model/pktbuf.h"
#include "model/record.h"

struct out_pcap_opts {
	const char *dir;
	uint32_t max_files;
	uint64_t max_bytes;		/* of all the files in DIR that look like ours */
	int64_t wall_offset_ns;		/* added to the frames' event clock */
};

struct out_pcap;

/* NULL: out of memory.  DIR is opened at each write, not here. */
struct out_pcap *out_pcap_new(const struct out_pcap_opts *o, struct pktbuf *pb);
void out_pcap_free(struct out_pcap *op);
/* The collector's sink. */
void out_pcap_record(void *ctx, const struct hs_record *r);
void out_pcap_stats(const struct out_pcap *op, struct out_pcap_stats *st);
const char *out_pcap_err_name(enum out_pcap_err e);	/* the metric's cause label */
/* Its Prometheus metrics; dp_sent, dp_cut: TLSMON_C_PKT_SHIPPED, TLSMON_C_PKT_CUT. */
void out_pcap_prom(FILE *f, const struct out_pcap_stats *st, uint64_t dp_sent, uint64_t dp_cut);

#endif
