/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames for the benchmarks: real hellos read from the corpus
 * (TLSMON_CORPUS), wrapped in Ethernet/IPv4/TCP by tests/lib/pkt.c, and the
 * small synthetic payloads around them.
 */
#ifndef TLSMON_BENCH_FRAMES_H
#define TLSMON_BENCH_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include "pkt.h"

struct fbuf {
	uint8_t b[PKT_MAX];
	size_t n;
};

/* The corpus hellos the benchmarks use (see frames.c for their source). */
enum bench_hello {
	HELLO_CH,	/* ~500 B ClientHello with SNI */
	HELLO_CH_PQ,	/* ~1.9 KB post-quantum (X25519MLKEM768) ClientHello */
	HELLO_SH,	/* TLS 1.2 ServerHello */
	HELLO_MAX
};

/* A 4-tuple seen from the client. */
struct tuple {
	uint8_t cli[4], srv[4];
	uint16_t cport, sport;
};

/* Load the hellos: 0, or -1 with a message on stderr. */
int frames_init(void);
const struct fbuf *frames_hello(enum bench_hello h);
const char *frames_hello_source(enum bench_hello h);

/*
 * An Ethernet/IPv4/TCP frame of t, sent by the client (from_server 0) or the
 * server, with these TCP flags, sequence and ACK numbers and payload.
 * Returns the frame length; aborts when it does not fit.
 */
size_t frames_tcp(struct fbuf *out, const struct tuple *t, int from_server, uint8_t flags,
		  uint32_t seq, uint32_t ack, const void *payload, size_t len);
/* A UDP datagram from the client (not TCP: the datapath's first exit). */
size_t frames_udp(struct fbuf *out, const struct tuple *t, size_t payload_len);
/* The i-th client of a benchmark: 10.200.x.y, port 1024 + i % 60000. */
void frames_client(struct tuple *t, uint32_t i);

/* Append payload bytes. */
void fb_put(struct fbuf *d, const void *p, size_t n);
/* A TLS record header. */
void fb_rec_hdr(struct fbuf *d, uint8_t type, size_t len);

#endif
