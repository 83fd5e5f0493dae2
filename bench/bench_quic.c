// SPDX-License-Identifier: BSD-3-Clause
/*
 * The userspace cost of a QUIC Initial (issue 20): what the pipe does for
 * each client Initial the datapath ships, timed per datagram.
 *
 *   decrypt  quic_conn_datagram() on a fresh connection: the long header,
 *            the Initial keys (HKDF, libcrypto), header protection, AES-GCM,
 *            the frames and CRYPTO reassembly
 *   full     the same, then the ClientHello parsed (shared TLS parser) and
 *            fingerprinted (JA4 q..., JA3), as quic_track and the collector do
 *
 * The datagram is RFC 9001 A.2's client Initial (1,200 bytes; the
 * ClientHello's 245 bytes, then padding).  Each measurement is checked: the
 * packet opens and the hello parses, else the program fails.
 *
 *   bench_quic [--iterations N] [--rounds N]
 * Output, tab separated: case  iterations  ns_per_initial (the best round)
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model/fingerprint.h"
#include "pipe/quic.h"
#include "quic_vectors.h"
#include "tls_parse.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint8_t pkt[1200];
static size_t pkt_len;

/* One Initial through the decoder (and the parser, full): 0, or -1 when it did not. */
static int one(struct quic_conn *c, int full)
{
	static uint8_t dg[1200];
	static struct tls_client_hello ch;
	static struct fingerprints fp;
	struct quic_stats st = { 0 };
	struct tlsp_ws ws;
	size_t m;

	memcpy(dg, pkt, pkt_len);
	quic_conn_fini(c);	/* the last round's CRYPTO buffer */
	quic_conn_init(c);
	if (quic_conn_datagram(c, 0, dg, pkt_len, &st) != 1 || st.initial != 1)
		return -1;
	m = quic_crypto_msg(&c->cs[0]);
	if (!m)
		return -1;
	if (!full)
		return 0;
	if (tls_parse_client_hello(c->cs[0].buf, 0, m, 0, &ch, &ws))
		return -1;
	fingerprint_client_quic(&ch, &fp);
	return fp.ja4[0] == 'q' ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'i' },
		{ "rounds", required_argument, NULL, 'r' },
		{ 0 },
	};
	static struct quic_conn c;
	long iters = 20000, rounds = 5, i, r;
	int o, full;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'i')
			iters = strtol(optarg, NULL, 10);
		else if (o == 'r')
			rounds = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (iters < 1 || rounds < 1) {
		fprintf(stderr, "usage: bench_quic [--iterations N] [--rounds N]\n");
		return 2;
	}
	pkt_len = qv_unhex(RFC9001_CLIENT_INITIAL, pkt, sizeof(pkt));
	printf("case\titerations\tns_per_initial\n");
	for (full = 0; full < 2; full++) {
		double best = 0;

		for (r = 0; r < rounds; r++) {
			uint64_t t0 = now_ns();
			double per;

			for (i = 0; i < iters; i++) {
				if (one(&c, full)) {
					fprintf(stderr, "bench_quic: the RFC Initial did not %s\n",
						full ? "parse" : "open");
					return 1;
				}
			}
			per = (double)(now_ns() - t0) / iters;
			if (!r || per < best)
				best = per;
		}
		printf("%s\t%ld\t%.0f\n", full ? "full" : "decrypt", iters, best);
	}
	return 0;
}
