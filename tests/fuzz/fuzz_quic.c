// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_quic: the QUIC Initial decoder (user/pipe/quic.c) on one connection.
 *
 * What it tests: long-header parsing of coalesced packets, Version
 * Negotiation and Retry, key derivation from whatever DCID the input gives,
 * header protection removal and AEAD failures (raw datagrams), and, since
 * a fuzzer cannot forge a GCM tag, the frames and CRYPTO reassembly behind
 * a successful decryption: datagrams marked "sealed" are payloads the
 * harness seals as Initials (tests/lib/quic_seal.h) with the keys of RFC
 * 9001's DCID, so arbitrary frames reach quic_frames() and the reassembly
 * through quic_open().  Whole first messages go to the shared TLS parser
 * and the fingerprints, as the collector will.
 *
 * Invariants (abort on violation): the reassembly state stays inside its
 * bounds (contig <= hi <= QUIC_CRYPTO_MAX, the message inside contig); a
 * sealed datagram on a connection whose keys came from that DCID (and no
 * Retry since) is opened; at most one side has closed; ASan: no read
 * outside a datagram, which sits in a buffer of exactly its size.
 *
 * Expected input format: datagrams to the end of the input.  Each is
 *   op:u8 len:u16le data[len]   (len clipped to what is left)
 *   op bit 0  direction: 0 client to server, 1 server to client
 *   op bit 1  sealed: data is an Initial payload (frames), sealed as packet
 *             number op >> 3 with the direction's v1 keys (bit 2: v2 keys)
 *             for DCID 8394c8f03e515708
 *   else      data is the UDP payload as is.
 * Seeds: the QUIC datagrams of the corpus captures, one connection per
 * seed (scripts/extract-quic-seeds.py), and sealed frame lists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/fingerprint.h"
#include "pipe/quic.h"
#include "../lib/quic_seal.h"
#include "tls_parse.h"

static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

static void die(const char *why)
{
	fprintf(stderr, "fuzz_quic: %s\n", why);
	abort();
}

static void check(const struct quic_conn *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		const struct quic_crypto *cr = &c->cs[d];

		if (cr->contig > cr->hi || cr->hi > QUIC_CRYPTO_MAX)
			die("reassembly state out of bounds");
		if (quic_crypto_msg(cr) > cr->contig)
			die("a message past the bytes held");
	}
	if ((c->flags & QUIC_CF_CLOSE_C) && (c->flags & QUIC_CF_CLOSE_S))
		die("both sides closed first");
	if (c->odcid_len > QUIC_CID_MAX || c->cscid_len > QUIC_CID_MAX ||
	    c->sscid_len > QUIC_CID_MAX || c->n_vn > 8)
		die("a length past its array");
}

static void hellos(const struct quic_conn *c)
{
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct server_fingerprint sfp;
	struct fingerprints fp;
	struct tlsp_ws ws;
	size_t m;

	m = quic_crypto_msg(&c->cs[0]);
	if (m && !tls_parse_client_hello(c->cs[0].buf, 0, m, 0, &ch, &ws))
		fingerprint_client_quic(&ch, &fp);
	m = quic_crypto_msg(&c->cs[1]);
	if (m && !tls_parse_server_hello(c->cs[1].buf, 0, m, 0, &sh, &ws))
		fingerprint_server(&sh, &sfp);
}

static void sealed(struct quic_conn *c, uint8_t op, const uint8_t *p, size_t n,
		   struct quic_stats *st)
{
	static uint8_t out[16200];
	const uint32_t v = op & 4 ? QUIC_V2 : QUIC_V1;
	const int dir = op & 1;
	struct quic_keys k;
	__u64 before = st->initial;
	uint8_t *dg;
	long len;
	int expect;

	if (quic_initial_keys(v, dcid, sizeof(dcid), dir, &k))
		die("no keys for the RFC DCID");
	len = quic_seal_initial(&k, v, dcid, sizeof(dcid), dcid, 4, op >> 3, p, n, out,
				sizeof(out));
	if (len < 0)
		return;
	/* the keys come from this DCID once the client's first Initial gave it */
	expect = (c->flags & QUIC_CF_KEYS) && c->odcid_len == sizeof(dcid) &&
		 !memcmp(c->odcid, dcid, sizeof(dcid));
	expect |= !(c->flags & QUIC_CF_KEYS) && dir == 0;
	dg = malloc(len);
	if (!dg)
		return;
	memcpy(dg, out, len);
	quic_conn_datagram(c, dir, dg, len, st);
	free(dg);
	if (expect && st->initial == before)
		die("a sealed Initial was not opened");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quic_conn c;
	struct quic_stats st = { 0 };
	size_t off = 0, n;
	uint8_t op, *dg;

	quic_conn_init(&c);
	while (size - off >= 3) {
		op = data[off];
		n = data[off + 1] | data[off + 2] << 8;
		off += 3;
		if (n > size - off)
			n = size - off;
		if (op & 2) {
			sealed(&c, op, data + off, n, &st);
		} else {
			/* exactly n bytes: ASan sees any read past the datagram */
			dg = malloc(n ? n : 1);
			if (!dg)
				break;
			memcpy(dg, data + off, n);
			quic_conn_datagram(&c, op & 1, dg, n, &st);
			free(dg);
		}
		off += n;
		check(&c);
		hellos(&c);
	}
	quic_conn_fini(&c);
	return 0;
}
