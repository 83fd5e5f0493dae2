/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames from a capture file (pcap or pcapng, any of the link types below),
 * handed over as Ethernet frames: other link types get a synthesized
 * Ethernet header, so one datapath parses them all.
 */
#ifndef TLSMON_PCAP_SRC_H
#define TLSMON_PCAP_SRC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct pcap_src;

struct pcap_src_stats {
	uint64_t frames;	/* read from the file */
	uint64_t delivered;	/* handed to the callback */
	uint64_t truncated;	/* cut by the capture's snaplen */
	uint64_t unsupported;	/* link-layer or header we do not read */
	uint64_t oversize;	/* larger than we can frame */
};

/*
 * Called per frame: frame number (1-based, as tshark counts), capture time
 * in ns, an Ethernet frame, its length, and the length on the wire.  The
 * frame is valid until the callback returns, at any alignment (an Ethernet
 * capture's frames are handed over where libpcap read them).  Return
 * non-zero to stop.
 */
typedef int (*pcap_src_fn)(void *ctx, uint64_t frame_no, uint64_t ts_ns, const uint8_t *eth,
			   uint32_t len, uint32_t wire_len);

/*
 * path "-" reads standard input.  The path is opened once and read once, so
 * a FIFO or a process substitution works; gzip is recognised from the first
 * bytes and inflated as it is read.  On error returns NULL with errbuf set.
 */
struct pcap_src *pcap_src_open(const char *path, char *errbuf, size_t errlen);
/*
 * The same from an open file descriptor (a file, a memfd, a pipe), named
 * name in messages.  fd is taken over: closed by pcap_src_close(), or here
 * on error.
 */
struct pcap_src *pcap_src_open_fd(int fd, const char *name, char *errbuf, size_t errlen);
/*
 * Reads to the end, until fn stops it, or until *stop (pcap_src_stop_on) is
 * set: 0, or -1 with errbuf set on a read error.
 */
int pcap_src_run(struct pcap_src *ps, pcap_src_fn fn, void *ctx, char *errbuf, size_t errlen);
/*
 * fn(ctx) before each read of more input that may wait (a pipe, a FIFO; not
 * a regular file): what the input so far gave (buffered records) goes out
 * first.
 */
void pcap_src_on_read(struct pcap_src *ps, void (*fn)(void *), void *ctx);
/*
 * A flag a signal handler sets: pcap_src_run ends before the next read once
 * it is, whether the last one delivered a frame or not (a stream of records
 * that are all skipped), and a read it interrupts ends it too.
 */
void pcap_src_stop_on(struct pcap_src *ps, volatile sig_atomic_t *stop);
const struct pcap_src_stats *pcap_src_stats(const struct pcap_src *ps);
const char *pcap_src_linktype(const struct pcap_src *ps);
void pcap_src_close(struct pcap_src *ps);

#endif
