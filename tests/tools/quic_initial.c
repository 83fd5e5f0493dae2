// SPDX-License-Identifier: BSD-3-Clause
/*
 * A QUIC v1 client's first flight, built by hand: one Initial packet
 * (RFC 9000 17.2.2) holding a real TLS 1.3 ClientHello with the ALPN names
 * given, sent over UDP; then what the server answers, decrypted with the
 * server's Initial keys and printed.  The Initial keys are derived here
 * with libcrypto's EVP_PKEY HKDF, not with tlsmon's decoder, so a test that
 * sends this packet past tlsmon checks tlsmon against a second reading.
 *
 *   quic_initial [-s SNI] [-a ALPN]... [-t MS] HOST PORT
 *   quic_initial --vectors
 *
 * The first form prints, one line each:
 *   sent LEN dcid HEX scid HEX
 *   recv LEN                         a datagram, then its packets:
 *   initial pn N                     a server Initial that opened
 *   frame ack | crypto OFF LEN | ping | padding N
 *   close TYPE error CODE            a CONNECTION_CLOSE (0x1c or 0x1d)
 *   undecryptable | handshake | retry | version_negotiation | short
 *   timeout                          nothing more came within MS (3000)
 * It stops at a CONNECTION_CLOSE, a Retry or a Version Negotiation (the
 * tool does not go on with the handshake), else after MS.  Exit 0 when
 * something came back, 1 when nothing did, 2 on a usage or system error.
 *
 * --vectors checks the key derivation and the packet protection against
 * RFC 9001 Appendix A: the sample client Initial opened and sealed again
 * must come out the same bytes; the sample server Initial must open.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include "../lib/quic_seal.h"
#include "../lib/quic_vectors.h"

#define CID_LEN 8
#define DGRAM 1200		/* a client Initial's least datagram (RFC 9000 14.1) */
#define ALPN_MAX 8

static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

/* HKDF through the EVP_PKEY interface; info NULL: Extract, else Expand. */
static int hkdf(const uint8_t *key, size_t klen, const uint8_t *salt, size_t slen,
		const uint8_t *info, size_t ilen, uint8_t *out, size_t olen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	int ok;

	ok = c && EVP_PKEY_derive_init(c) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_mode(c, info ? EVP_PKEY_HKDEF_MODE_EXPAND_ONLY :
					   EVP_PKEY_HKDEF_MODE_EXTRACT_ONLY) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_key(c, key, klen) > 0 &&
	     (!salt || EVP_PKEY_CTX_set1_hkdf_salt(c, salt, slen) > 0) &&
	     (!info || EVP_PKEY_CTX_add1_hkdf_info(c, info, ilen) > 0) &&
	     EVP_PKEY_derive(c, out, &olen) > 0;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -1;
}

/* HKDF-Expand-Label (RFC 8446 7.1), empty context, from a 32-byte secret */
static int label(const uint8_t *secret, const char *name, uint8_t *out, size_t olen)
{
	uint8_t info[64];
	size_t n = strlen(name);

	info[0] = 0;
	info[1] = olen;
	info[2] = 6 + n;
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, name, n);
	info[9 + n] = 0;
	return hkdf(secret, 32, NULL, 0, info, 10 + n, out, olen);
}

/* RFC 9001 5.2: the Initial keys of one side, from the client's first DCID */
static int initial_keys(const uint8_t *dcid, size_t dlen, int server, struct quic_keys *k)
{
	uint8_t init[32], secret[32];

	if (hkdf(dcid, dlen, salt_v1, sizeof(salt_v1), NULL, 0, init, 32) ||
	    label(init, server ? "server in" : "client in", secret, 32) ||
	    label(secret, "quic key", k->key, 16) || label(secret, "quic iv", k->iv, 12) ||
	    label(secret, "quic hp", k->hp, 16))
		return -1;
	return 0;
}

/*
 * Removes the protection of the long-header packet p (len bytes, packet
 * number at pn_off): the payload into out, its length; -1 if it does not open.
 */
static long open_packet(const struct quic_keys *k, uint8_t *p, size_t len, size_t pn_off,
			uint8_t *out, uint64_t *pn)
{
	uint8_t mask[16], nonce[12];
	size_t pn_len, hlen, i;
	EVP_CIPHER_CTX *c;
	int l = 0, ok;
	long n;

	/* the sample: 16 bytes from 4 past the packet number's start (RFC 9001 5.4.2) */
	if (pn_off > len || len - pn_off < 4 + 16)
		return -1;
	c = EVP_CIPHER_CTX_new();
	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL) == 1 &&
	     EVP_EncryptUpdate(c, mask, &l, p + pn_off + 4, 16) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -1;
	p[0] ^= mask[0] & 0x0f;
	pn_len = (p[0] & 3) + 1;
	*pn = 0;
	for (i = 0; i < pn_len; i++) {
		p[pn_off + i] ^= mask[1 + i];
		*pn = *pn << 8 | p[pn_off + i];
	}
	hlen = pn_off + pn_len;
	if (len - hlen < QUIC_TAG_LEN)
		return -1;
	n = len - hlen - QUIC_TAG_LEN;
	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= *pn >> (8 * i);
	c = EVP_CIPHER_CTX_new();
	ok = c && EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce) == 1 &&
	     EVP_DecryptUpdate(c, NULL, &l, p, hlen) == 1 &&
	     EVP_DecryptUpdate(c, out, &l, p + hlen, n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN, p + len - QUIC_TAG_LEN) == 1 &&
	     EVP_DecryptFinal_ex(c, out + l, &l) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? n : -1;
}

static int varint(const uint8_t *b, size_t end, size_t *off, uint64_t *v)
{
	size_t n, i;

	if (*off >= end)
		return -1;
	n = (size_t)1 << (b[*off] >> 6);
	if (n > end - *off)
		return -1;
	*v = b[*off] & 0x3f;
	for (i = 1; i < n; i++)
		*v = *v << 8 | b[*off + i];
	*off += n;
	return 0;
}

/* The frames of an opened Initial, a line each; 1 once a CONNECTION_CLOSE is seen. */
static int print_frames(const uint8_t *p, size_t n)
{
	uint64_t t, a, b, c, i;
	size_t off = 0, pad;
	int closed = 0;

	while (off < n) {
		if (varint(p, n, &off, &t))
			goto bad;
		switch (t) {
		case 0x00:
			for (pad = 1; off < n && !p[off]; off++)
				pad++;
			printf("frame padding %zu\n", pad);
			break;
		case 0x01:
			printf("frame ping\n");
			break;
		case 0x02:
		case 0x03:	/* largest, delay, count, first range, ranges, ECN */
			if (varint(p, n, &off, &a) || varint(p, n, &off, &b) ||
			    varint(p, n, &off, &c) || varint(p, n, &off, &b) || c > n)
				goto bad;
			for (i = 0; i < 2 * c + (t == 0x03 ? 3 : 0); i++)
				if (varint(p, n, &off, &b))
					goto bad;
			printf("frame ack largest %llu\n", (unsigned long long)a);
			break;
		case 0x06:
			if (varint(p, n, &off, &a) || varint(p, n, &off, &b) || b > n - off)
				goto bad;
			printf("frame crypto %llu %llu\n", (unsigned long long)a,
			       (unsigned long long)b);
			off += b;
			break;
		case 0x1c:
		case 0x1d:
			if (varint(p, n, &off, &a) || (t == 0x1c && varint(p, n, &off, &b)) ||
			    varint(p, n, &off, &c) || c > n - off)
				goto bad;
			printf("close 0x%llx error 0x%llx\n", (unsigned long long)t,
			       (unsigned long long)a);
			off += c;
			closed = 1;
			break;
		default:
			printf("frame 0x%llx unexpected\n", (unsigned long long)t);
			return closed;
		}
	}
	return closed;
bad:
	printf("frame cut short\n");
	return closed;
}

static uint8_t *put16(uint8_t *b, unsigned v)
{
	b[0] = v >> 8;
	b[1] = v;
	return b + 2;
}

/* an extension's type and a 2-byte length to fill in: returns where the body starts */
static uint8_t *ext_open(uint8_t *b, unsigned type, uint8_t **len_at)
{
	b = put16(b, type);
	*len_at = b;
	return b + 2;
}

static void ext_close(uint8_t *len_at, const uint8_t *end)
{
	put16(len_at, end - len_at - 2);
}

/*
 * A TLS 1.3 ClientHello as a handshake message: TLS_AES_128_GCM_SHA256 and
 * its two siblings, x25519 with a fresh key, the usual signature schemes,
 * SNI, the ALPN names, and QUIC transport parameters naming scid as
 * initial_source_connection_id (RFC 9000 7.3).  Its length, -1 on error.
 */
static long client_hello(uint8_t *out, const char *sni, char **alpn, int n_alpn,
			 const uint8_t *scid)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303 };
	static const uint16_t sigs[] = { 0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
					  0x0807, 0x0401, 0x0501, 0x0601 };
	uint8_t *b = out + 4, *ext, *l1, *l2, *l3, pub[32];
	size_t publen = sizeof(pub), sl = strlen(sni), i, n;
	EVP_PKEY *key;
	int ok;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	ok = key && EVP_PKEY_get_raw_public_key(key, pub, &publen) == 1 && publen == 32;
	EVP_PKEY_free(key);
	for (i = 0, n = 0; i < (size_t)n_alpn; i++)
		n += 1 + strlen(alpn[i]);
	if (!ok || sl > 255 || n > 512)
		return -1;
	b = put16(b, 0x0303);
	if (RAND_bytes(b, 32) != 1)
		return -1;
	b += 32;
	*b++ = 0;		/* no legacy session id in QUIC (RFC 9001 8.4) */
	b = put16(b, sizeof(suites));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		b = put16(b, suites[i]);
	*b++ = 1;
	*b++ = 0;
	ext = b;
	b += 2;
	if (sl) {
		b = ext_open(b, 0x0000, &l1);
		b = put16(b, sl + 3);
		*b++ = 0;
		b = put16(b, sl);
		memcpy(b, sni, sl);
		b += sl;
		ext_close(l1, b);
	}
	b = ext_open(b, 0x000a, &l1);	/* supported_groups: x25519 */
	b = put16(put16(b, 2), 0x001d);
	ext_close(l1, b);
	b = ext_open(b, 0x000d, &l1);	/* signature_algorithms */
	b = put16(b, sizeof(sigs));
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		b = put16(b, sigs[i]);
	ext_close(l1, b);
	if (n_alpn) {
		b = ext_open(b, 0x0010, &l1);
		l2 = b;
		b += 2;
		for (i = 0; i < (size_t)n_alpn; i++) {
			*b = strlen(alpn[i]);
			memcpy(b + 1, alpn[i], *b);
			b += 1 + *b;
		}
		ext_close(l2, b);
		ext_close(l1, b);
	}
	b = ext_open(b, 0x002b, &l1);	/* supported_versions: TLS 1.3 */
	*b++ = 2;
	b = put16(b, 0x0304);
	ext_close(l1, b);
	b = ext_open(b, 0x002d, &l1);	/* psk_key_exchange_modes: psk_dhe_ke */
	*b++ = 1;
	*b++ = 1;
	ext_close(l1, b);
	b = ext_open(b, 0x0033, &l1);	/* key_share: x25519 */
	l2 = b;
	b += 2;
	b = ext_open(b, 0x001d, &l3);
	memcpy(b, pub, 32);
	b += 32;
	ext_close(l3, b);
	ext_close(l2, b);
	ext_close(l1, b);
	b = ext_open(b, 0x0039, &l1);	/* quic_transport_parameters */
	*b++ = 0x0f;			/* initial_source_connection_id */
	*b++ = CID_LEN;
	memcpy(b, scid, CID_LEN);
	b += CID_LEN;
	*b++ = 0x04;			/* initial_max_data: 1 MiB */
	*b++ = 4;
	b = put16(put16(b, 0x8010), 0x0000);
	*b++ = 0x01;			/* max_idle_timeout: 10 s */
	*b++ = 2;
	b = put16(b, 0x4000 | 10000);
	ext_close(l1, b);
	ext_close(ext, b);
	out[0] = 1;			/* client_hello */
	out[1] = 0;
	put16(out + 2, b - out - 4);
	return b - out;
}

/* The Initial packet, padded to DGRAM bytes: its length, -1 on error. */
static long build(uint8_t *pkt, const uint8_t *dcid, const uint8_t *scid, const char *sni,
		  char **alpn, int n_alpn)
{
	uint8_t payload[DGRAM], ch[1024];
	struct quic_keys k;
	long chl;
	size_t n = 0, hdr = 7 + 2 * CID_LEN + 3 + 4;

	chl = client_hello(ch, sni, alpn, n_alpn, scid);
	if (chl < 0 || (size_t)chl > DGRAM - hdr - QUIC_TAG_LEN - 4 ||
	    initial_keys(dcid, CID_LEN, 0, &k))
		return -1;
	payload[n++] = 0x06;	/* CRYPTO, offset 0, 2-byte length */
	payload[n++] = 0;
	put16(payload + n, 0x4000 | chl);
	n += 2;
	memcpy(payload + n, ch, chl);
	n += chl;
	memset(payload + n, 0, DGRAM - hdr - QUIC_TAG_LEN - n);
	n = DGRAM - hdr - QUIC_TAG_LEN;
	return quic_seal_initial(&k, QUIC_V1, dcid, CID_LEN, scid, CID_LEN, 0, payload, n,
				 pkt, DGRAM);
}

static void hex(const char *name, const uint8_t *b, size_t n)
{
	printf(" %s ", name);
	while (n--)
		printf("%02x", *b++);
}

/* One long-header packet of a datagram: its length; 0 to stop reading. */
static size_t show_packet(uint8_t *p, size_t n, const struct quic_keys *sk, int *done)
{
	static uint8_t out[65536];
	uint64_t tl, len, pn;
	uint32_t v;
	size_t off;
	long m;

	if (n < 7 || !(p[0] & 0x80)) {
		printf("short\n");
		return 0;
	}
	v = (uint32_t)p[1] << 24 | p[2] << 16 | p[3] << 8 | p[4];
	off = 5;
	if (!v) {
		printf("version_negotiation\n");
		*done = 1;
		return 0;
	}
	if (off + 1 + p[off] >= n || off + 2 + p[off] + p[off + 1 + p[off]] > n) {
		printf("short\n");
		return 0;
	}
	off += 1 + p[off];
	off += 1 + p[off];
	if (((p[0] >> 4) & 3) == 3) {
		printf("retry\n");
		*done = 1;
		return 0;
	}
	tl = 0;
	if (((p[0] >> 4) & 3) == 0 && varint(p, n, &off, &tl))
		return 0;
	if (tl > n - off)
		return 0;
	off += tl;
	if (varint(p, n, &off, &len) || len > n - off)
		return 0;
	if (v != QUIC_V1 || ((p[0] >> 4) & 3) != 0) {
		printf("handshake\n");
		return off + len;
	}
	m = open_packet(sk, p, off + len, off, out, &pn);
	if (m < 0) {
		printf("undecryptable\n");
		return off + len;
	}
	printf("initial pn %llu\n", (unsigned long long)pn);
	*done |= print_frames(out, m);
	return off + len;
}

static int run(const char *host, const char *port, const char *sni, char **alpn, int n_alpn,
	       int ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	uint8_t dcid[CID_LEN], scid[CID_LEN], pkt[DGRAM], in[65536];
	struct quic_keys sk;
	struct timespec t0, t;
	int fd, r, done = 0, got = 0, left;
	size_t off, used;
	long n;
	ssize_t rn;

	if (RAND_bytes(dcid, sizeof(dcid)) != 1 || RAND_bytes(scid, sizeof(scid)) != 1 ||
	    initial_keys(dcid, CID_LEN, 1, &sk))
		return 2;
	n = build(pkt, dcid, scid, sni, alpn, n_alpn);
	if (n != DGRAM) {
		fprintf(stderr, "quic_initial: cannot build the Initial\n");
		return 2;
	}
	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		fprintf(stderr, "quic_initial: %s: %s\n", host, gai_strerror(r));
		return 2;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) || send(fd, pkt, n, 0) != n) {
		fprintf(stderr, "quic_initial: %s port %s: %s\n", host, port, strerror(errno));
		freeaddrinfo(ai);
		return 2;
	}
	freeaddrinfo(ai);
	printf("sent %ld", n);
	hex("dcid", dcid, CID_LEN);
	hex("scid", scid, CID_LEN);
	printf("\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!done) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			printf("timeout\n");
			break;
		}
		rn = recv(fd, in, sizeof(in), 0);
		if (rn <= 0)
			continue;
		got = 1;
		printf("recv %zd\n", rn);
		/* coalesced packets (RFC 9000 12.2) */
		for (off = 0; off < (size_t)rn && !done; off += used) {
			used = show_packet(in + off, rn - off, &sk, &done);
			if (!used)
				break;
		}
		fflush(stdout);
	}
	close(fd);
	return got ? 0 : 1;
}

/* RFC 9001 Appendix A: keys, header protection and AEAD of this tool */
static int vectors(void)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	uint8_t pkt[1500], orig[1500], payload[1500], again[1500];
	struct quic_keys ck, sk;
	size_t n, pn_off = 7 + 8 + 1 + 2;	/* no SCID, no token, 2-byte Length */
	long m, r;
	uint64_t pn;
	int done = 0, bad = 0;

	if (initial_keys(dcid, sizeof(dcid), 0, &ck) || initial_keys(dcid, sizeof(dcid), 1, &sk))
		return 2;
	n = qv_unhex(RFC9001_CLIENT_INITIAL, orig, sizeof(orig));
	memcpy(pkt, orig, n);
	m = open_packet(&ck, pkt, n, pn_off, payload, &pn);
	r = m < 0 ? -1 : quic_seal_initial(&ck, QUIC_V1, dcid, 8, dcid, 0, pn, payload, m,
					    again, sizeof(again));
	if (r != (long)n || memcmp(again, orig, n)) {
		printf("not ok: the RFC 9001 client Initial does not seal back the same\n");
		bad = 1;
	} else {
		printf("ok: the RFC 9001 client Initial (pn %llu) opens and seals back the same\n",
		       (unsigned long long)pn);
	}
	n = qv_unhex(RFC9001_SERVER_INITIAL, pkt, sizeof(pkt));
	show_packet(pkt, n, &sk, &done);
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: quic_initial [-s SNI] [-a ALPN]... [-t MS] HOST PORT\n"
			"       quic_initial --vectors\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char *alpn[ALPN_MAX];
	const char *sni = "";
	int n_alpn = 0, ms = 3000, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--vectors"))
		return vectors();
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-s"))
			sni = argv[i + 1];
		else if (!strcmp(argv[i], "-a") && n_alpn < ALPN_MAX && strlen(argv[i + 1]) &&
			 strlen(argv[i + 1]) < 256)
			alpn[n_alpn++] = argv[i + 1];
		else if (!strcmp(argv[i], "-t") && atoi(argv[i + 1]) > 0 &&
			 atoi(argv[i + 1]) <= 60000)
			ms = atoi(argv[i + 1]);
		else
			usage();
	}
	if (argc - i != 2)
		usage();
	return run(argv[i], argv[i + 1], sni, alpn, n_alpn, ms);
}
