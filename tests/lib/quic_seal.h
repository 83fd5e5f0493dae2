/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test side of QUIC: seal a payload of frames as an Initial packet
 * (RFC 9001 5), with libcrypto, so tests and fuzzers can build the
 * Initials a capture does not hold (a ClientHello cut across packets, a
 * server's CONNECTION_CLOSE).  Header-only: the fuzz harnesses link no
 * test library.  The decoder under test is never used to build.
 */
#ifndef TLSMON_TEST_QUIC_SEAL_H
#define TLSMON_TEST_QUIC_SEAL_H

#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>
#include "pipe/quic.h"

/* 4-byte packet numbers and a 2-byte Length: payload <= 16000 bytes. */
static inline long quic_seal_initial(const struct quic_keys *k, uint32_t version,
				     const uint8_t *dcid, uint8_t dcid_len, const uint8_t *scid,
				     uint8_t scid_len, uint32_t pn, const uint8_t *payload,
				     size_t n, uint8_t *out, size_t cap)
{
	size_t off = 0, pn_off, len = 4 + n + QUIC_TAG_LEN, i;
	uint8_t nonce[12], mask[16];
	EVP_CIPHER_CTX *ctx;
	int l = 0, ok;

	if (n > 16000 || dcid_len > QUIC_CID_MAX || scid_len > QUIC_CID_MAX ||
	    cap < 7 + (size_t)dcid_len + scid_len + 3 + len)
		return -1;
	/* long header, fixed bit, Initial (v2: type bits 01), 4-byte packet number */
	out[off++] = 0xc3 | (version == QUIC_V2 ? 0x10 : 0);
	for (i = 0; i < 4; i++)
		out[off++] = version >> (24 - 8 * i);
	out[off++] = dcid_len;
	memcpy(out + off, dcid, dcid_len);
	off += dcid_len;
	out[off++] = scid_len;
	memcpy(out + off, scid, scid_len);
	off += scid_len;
	out[off++] = 0;		/* no token */
	out[off++] = 0x40 | len >> 8;
	out[off++] = len;
	pn_off = off;
	for (i = 0; i < 4; i++)
		out[off++] = pn >> (24 - 8 * i);
	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 4; i++)
		nonce[11 - i] ^= pn >> (8 * i);
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, k->key, nonce) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &l, out, off) == 1 &&
	     EVP_EncryptUpdate(ctx, out + off, &l, payload, n) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + off + l, &l) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, QUIC_TAG_LEN, out + off + n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, k->hp, NULL) == 1 &&
	     EVP_EncryptUpdate(ctx, mask, &l, out + pn_off + 4, 16) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return -1;
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return off + n + QUIC_TAG_LEN;
}

#endif
