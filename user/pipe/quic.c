// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include "pipe/quic.h"
#include "tlsmon.h"

/* RFC 9001 5.2 and RFC 9369 3.3.1 */
static const __u8 salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const __u8 salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};

/* libcrypto's algorithms, fetched once: a fetch costs more than a decryption. */
static EVP_KDF *hkdf;
static EVP_CIPHER *aes_ecb, *aes_gcm;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
}

static int fetched(void)
{
	pthread_once(&fetch_once, fetch);
	return hkdf && aes_ecb && aes_gcm ? 0 : -ENOSYS;
}

/*
 * One HKDF context per thread, set to SHA-256 once: naming the digest in
 * every derivation fetched it again, and libcrypto 3.0 cannot copy an HKDF
 * context.  Each derivation sets its mode and key (and salt or info, the
 * one its mode reads).
 */
static __thread EVP_KDF_CTX *hkdf_ctx;

static EVP_KDF_CTX *hkdf_sha256(void)
{
	OSSL_PARAM p[2];

	if (hkdf_ctx)
		return hkdf_ctx;
	hkdf_ctx = EVP_KDF_CTX_new(hkdf);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	if (hkdf_ctx && EVP_KDF_CTX_set_params(hkdf_ctx, p) != 1) {
		EVP_KDF_CTX_free(hkdf_ctx);
		hkdf_ctx = NULL;
	}
	return hkdf_ctx;
}

void quic_thread_free(void)
{
	EVP_KDF_CTX_free(hkdf_ctx);
	hkdf_ctx = NULL;
}

int quic_varint(const __u8 *b, size_t end, size_t *off, __u64 *v)
{
	size_t o = *off, n, i;
	__u64 x;

	if (o >= end)
		return -1;
	n = (size_t)1 << (b[o] >> 6);
	if (n > end - o)
		return -1;
	x = b[o] & 0x3f;
	for (i = 1; i < n; i++)
		x = x << 8 | b[o + i];
	*off = o + n;
	*v = x;
	return 0;
}

static __u32 be32(const __u8 *b)
{
	return (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
}

int quic_is_long(const __u8 *b, size_t n)
{
	__u32 v;

	if (n < 7 || !(b[0] & 0x80))
		return 0;
	v = be32(b + 1);
	/* no fixed bit asked: it may be greased (RFC 9287) */
	return v == 0 || v == QUIC_V1 || v == QUIC_V2;
}

static int read_cid(const __u8 *b, size_t n, size_t *off, __u8 *len, __u8 *cid)
{
	size_t o = *off;

	if (o >= n || b[o] > QUIC_CID_MAX || b[o] > n - o - 1)
		return -EINVAL;
	*len = b[o];
	memcpy(cid, b + o + 1, b[o]);
	*off = o + 1 + b[o];
	return 0;
}

/* Length and packet number offset of Initial, 0-RTT and Handshake packets. */
static int parse_protected(const __u8 *b, size_t n, size_t off, struct quic_long_hdr *h)
{
	__u64 tl = 0, len;

	if (h->type == QUIC_PT_INITIAL) {
		if (quic_varint(b, n, &off, &tl) || tl > n - off)
			return -EINVAL;
		h->token_len = tl;
		off += tl;
	}
	if (quic_varint(b, n, &off, &len) || len > n - off)
		return -EINVAL;
	h->pn_off = off;
	h->len = off + len;
	return 0;
}

int quic_parse_long(const __u8 *b, size_t n, struct quic_long_hdr *h)
{
	size_t off = 5;
	__u8 bits;

	memset(h, 0, sizeof(*h));
	if (n < 7 || !(b[0] & 0x80))
		return -EINVAL;
	h->version = be32(b + 1);
	if (h->version && h->version != QUIC_V1 && h->version != QUIC_V2)
		return -EPROTO;
	if (read_cid(b, n, &off, &h->dcid_len, h->dcid) ||
	    read_cid(b, n, &off, &h->scid_len, h->scid))
		return -EINVAL;
	if (!h->version) {
		/* a list of versions, at least one */
		h->type = QUIC_PT_VN;
		h->len = n;
		return n - off >= 4 && (n - off) % 4 == 0 ? 0 : -EINVAL;
	}
	/* the fixed bit (0x40) is not checked: peers may grease it (RFC 9287) */
	bits = (b[0] >> 4) & 3;
	/* v2 rotates the type bits by one (RFC 9369 3.2) */
	h->type = h->version == QUIC_V2 ? (bits + 3) & 3 : bits;
	if (h->type == QUIC_PT_RETRY) {
		/* token, then the integrity tag: the rest of the datagram */
		h->len = n;
		return n - off >= QUIC_TAG_LEN ? 0 : -EINVAL;
	}
	return parse_protected(b, n, off, h);
}

static int hkdf_run(int mode, const __u8 *key, size_t klen, const __u8 *salt, size_t slen,
		    const __u8 *info, size_t ilen, __u8 *out, size_t olen)
{
	OSSL_PARAM p[5], *q = p;
	EVP_KDF_CTX *ctx = hkdf_sha256();

	if (!ctx)
		return -ENOMEM;
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, klen);
	if (salt)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, slen);
	if (info)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, ilen);
	*q = OSSL_PARAM_construct_end();
	return EVP_KDF_derive(ctx, out, olen, p) == 1 ? 0 : -EINVAL;
}

/* HKDF-Expand-Label of TLS 1.3 (RFC 8446 7.1) with an empty context. */
static int expand_label(const __u8 *secret, const char *label, __u8 *out, size_t olen)
{
	__u8 info[2 + 1 + 255 + 1];
	size_t ll = strlen(label), n = 0;

	info[n++] = olen >> 8;
	info[n++] = olen;
	info[n++] = 6 + ll;
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	return hkdf_run(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, n, out, olen);
}

int quic_initial_keys(__u32 version, const __u8 *dcid, size_t dcid_len, int server,
		      struct quic_keys *k)
{
	const int v2 = version == QUIC_V2;
	__u8 initial[32], secret[32];
	int r;

	if ((version != QUIC_V1 && !v2) || !dcid_len || dcid_len > QUIC_CID_MAX)
		return -EINVAL;
	r = fetched();
	if (r)
		return r;
	r = hkdf_run(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len, v2 ? salt_v2 : salt_v1,
		     sizeof(salt_v1), NULL, 0, initial, sizeof(initial));
	if (!r)
		r = expand_label(initial, server ? "server in" : "client in", secret, 32);
	if (!r)
		r = expand_label(secret, v2 ? "quicv2 key" : "quic key", k->key, sizeof(k->key));
	if (!r)
		r = expand_label(secret, v2 ? "quicv2 iv" : "quic iv", k->iv, sizeof(k->iv));
	if (!r)
		r = expand_label(secret, v2 ? "quicv2 hp" : "quic hp", k->hp, sizeof(k->hp));
	return r;
}

static int hp_mask(const __u8 *hp, const __u8 *sample, __u8 mask[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, r = -EINVAL;

	if (!ctx)
		return -ENOMEM;
	if (EVP_EncryptInit_ex(ctx, aes_ecb, NULL, hp, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, mask, &outl, sample, QUIC_SAMPLE_LEN) == 1 && outl == 16)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

static int gcm_open(const struct quic_keys *k, const __u8 nonce[12], const __u8 *aad, size_t alen,
		    const __u8 *ct, size_t clen, const __u8 *tag, __u8 *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l = 0, fl = 0, r = -EBADMSG;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DecryptInit_ex(ctx, aes_gcm, NULL, k->key, nonce) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &l, aad, alen) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &l, ct, clen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN, (void *)tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, out + l, &fl) == 1)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

long quic_open(const struct quic_keys *k, __u8 *pkt, size_t len, size_t pn_off, __u8 *out,
	       size_t cap, __u64 *pn)
{
	__u8 mask[16], nonce[12];
	size_t pn_len, hlen, clen, i;
	__u64 v = 0;

	/* the sample is taken as if the packet number were 4 bytes (RFC 9001 5.4.2) */
	if (fetched() || pn_off > len || len - pn_off < 4 + QUIC_SAMPLE_LEN)
		return -1;
	if (hp_mask(k->hp, pkt + pn_off + 4, mask))
		return -1;
	pkt[0] ^= mask[0] & 0x0f;
	pn_len = (pkt[0] & 3) + 1;
	for (i = 0; i < pn_len; i++) {
		pkt[pn_off + i] ^= mask[1 + i];
		v = v << 8 | pkt[pn_off + i];
	}
	hlen = pn_off + pn_len;
	clen = len - hlen - QUIC_TAG_LEN;
	if (clen > cap)
		return -1;
	memcpy(nonce, k->iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (__u8)(v >> (8 * i));
	if (gcm_open(k, nonce, pkt, hlen, pkt + hlen, clen, pkt + len - QUIC_TAG_LEN, out))
		return -1;
	*pn = v;
	return clen;
}

static int bit(const __u8 *m, __u32 i)
{
	return m[i >> 3] >> (i & 7) & 1;
}

/* Room for bytes up to end (<= QUIC_CRYPTO_MAX): 0, or -1 without memory. */
static int crypto_grow(struct quic_crypto *cr, __u32 end)
{
	__u32 cap = cr->cap ? cr->cap : QUIC_CRYPTO_MIN;
	__u8 *m;

	if (end <= cr->cap)
		return 0;
	while (cap < end)
		cap *= 2;
	m = calloc(1, QUIC_CRYPTO_HEAP(cap));
	if (!m)
		return -1;
	if (cr->cap) {
		memcpy(m, cr->buf, cr->hi);
		memcpy(m + cap, cr->have, cr->cap / 8);
	}
	free(cr->buf);
	cr->buf = m;
	cr->have = m + cap;
	cr->cap = cap;
	return 0;
}

void quic_crypto_free(struct quic_crypto *cr)
{
	free(cr->buf);
	memset(cr, 0, sizeof(*cr));
}

void quic_crypto_put(struct quic_crypto *cr, __u64 off, const __u8 *p, size_t n,
		     struct quic_stats *st)
{
	__u64 end = off + n;
	int conflict = 0;
	__u32 i;

	if (off >= QUIC_CRYPTO_MAX) {
		st->crypto_capped += n;
		return;
	}
	if (end > QUIC_CRYPTO_MAX) {
		st->crypto_capped += end - QUIC_CRYPTO_MAX;
		end = QUIC_CRYPTO_MAX;
	}
	if (end <= off)
		return;
	if (crypto_grow(cr, end)) {
		st->crypto_capped += end - off;
		return;
	}
	/* the first copy of a byte wins; a different resend is counted */
	for (i = off; i < end; i++) {
		if (bit(cr->have, i)) {
			conflict |= cr->buf[i] != p[i - off];
			continue;
		}
		cr->buf[i] = p[i - off];
		cr->have[i >> 3] |= 1u << (i & 7);
	}
	st->crypto_conflict += conflict;
	if (end > cr->hi)
		cr->hi = end;
	while (cr->contig < cr->hi && bit(cr->have, cr->contig))
		cr->contig++;
}

size_t quic_crypto_msg_at(const struct quic_crypto *cr, size_t off)
{
	const __u8 *b;
	size_t len;

	if (off > cr->contig || cr->contig - off < 4)
		return 0;
	b = cr->buf + off;
	len = 4 + ((size_t)b[1] << 16 | b[2] << 8 | b[3]);
	return len <= cr->contig - off ? len : 0;
}

size_t quic_crypto_msg(const struct quic_crypto *cr)
{
	return quic_crypto_msg_at(cr, 0);
}

static int skip_ack(const __u8 *p, size_t n, size_t *off, int ecn)
{
	__u64 v, ranges, i;

	/* largest, delay, range count, first range; then gap and length pairs */
	if (quic_varint(p, n, off, &v) || quic_varint(p, n, off, &v) ||
	    quic_varint(p, n, off, &ranges) || quic_varint(p, n, off, &v))
		return -1;
	/* each pair takes two bytes at least: a count past that is a lie */
	if (ranges > (n - *off) / 2)
		return -1;
	for (i = 0; i < ranges; i++)
		if (quic_varint(p, n, off, &v) || quic_varint(p, n, off, &v))
			return -1;
	for (i = 0; ecn && i < 3; i++)
		if (quic_varint(p, n, off, &v))
			return -1;
	return 0;
}

static int read_close(struct quic_conn *c, int dir, const __u8 *p, size_t n, size_t *off,
		      int app)
{
	__u64 code, ftype, rlen;

	if (quic_varint(p, n, off, &code) || (!app && quic_varint(p, n, off, &ftype)) ||
	    quic_varint(p, n, off, &rlen) || rlen > n - *off)
		return -1;
	*off += rlen;
	/* the first close of a connection is the one that explains it */
	if (!(c->flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S))) {
		c->flags |= dir == TLSMON_DIR_S2C ? QUIC_CF_CLOSE_S : QUIC_CF_CLOSE_C;
		c->flags |= app ? QUIC_CF_CLOSE_APP : 0;
		c->close_code = code;
	}
	return 0;
}

int quic_frames(struct quic_conn *c, int dir, const __u8 *p, size_t n, struct quic_stats *st)
{
	size_t off = 0, start;
	__u64 type, coff, clen;

	while (off < n) {
		start = off;
		if (quic_varint(p, n, &off, &type) || off - start != 1)
			goto bad;	/* frame types use their shortest encoding (RFC 9000 12.4) */
		switch (type) {
		case 0x00:	/* PADDING */
		case 0x01:	/* PING */
			break;
		case 0x02:	/* ACK */
		case 0x03:
			if (skip_ack(p, n, &off, type == 0x03))
				goto bad;
			break;
		case 0x06:	/* CRYPTO */
			if (quic_varint(p, n, &off, &coff) || quic_varint(p, n, &off, &clen) ||
			    clen > n - off)
				goto bad;
			/* after the hellos: resent or later bytes, not read */
			if (!c->crypto_done)
				quic_crypto_put(&c->cs[dir & 1], coff, p + off, clen, st);
			off += clen;
			break;
		case 0x1c:	/* CONNECTION_CLOSE */
		case 0x1d:
			if (read_close(c, dir, p, n, &off, type == 0x1d))
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	return 0;
bad:
	st->bad_frames++;
	return -1;
}

void quic_conn_init(struct quic_conn *c)
{
	memset(c, 0, sizeof(*c));
}

void quic_conn_fini(struct quic_conn *c)
{
	quic_crypto_free(&c->cs[0]);
	quic_crypto_free(&c->cs[1]);
}

void quic_conn_crypto_done(struct quic_conn *c)
{
	quic_conn_fini(c);
	c->crypto_done = 1;
}

size_t quic_conn_heap(const struct quic_conn *c)
{
	return QUIC_CRYPTO_HEAP(c->cs[0].cap) + QUIC_CRYPTO_HEAP(c->cs[1].cap);
}

static void take_vn(struct quic_conn *c, const __u8 *b, const struct quic_long_hdr *h)
{
	size_t off = 7 + h->dcid_len + h->scid_len;

	c->flags |= QUIC_CF_VN;
	c->n_vn = 0;
	for (; off + 4 <= h->len && c->n_vn < 8; off += 4)
		c->vn_versions[c->n_vn++] = be32(b + off);
}

/* The DCID the keys come from; each side's keys are derived on first use (keys()). */
static int derive(struct quic_conn *c, __u32 version, const __u8 *dcid, __u8 dcid_len)
{
	if ((version != QUIC_V1 && version != QUIC_V2) || !dcid_len || dcid_len > QUIC_CID_MAX)
		return -1;
	c->version = version;
	c->odcid_len = dcid_len;
	memcpy(c->odcid, dcid, dcid_len);
	if (!c->fdcid_len) {
		c->fdcid_len = dcid_len;
		memcpy(c->fdcid, dcid, dcid_len);
	}
	c->have_keys = 0;
	c->flags |= QUIC_CF_KEYS;
	return 0;
}

static const struct quic_keys *keys(struct quic_conn *c, int server)
{
	struct quic_keys *k = server ? &c->sk : &c->ck;
	__u8 bit = server ? 2 : 1;

	if (!(c->have_keys & bit)) {
		if (quic_initial_keys(c->version, c->odcid, c->odcid_len, server, k))
			return NULL;
		c->have_keys |= bit;
	}
	return k;
}

static void initial(struct quic_conn *c, int dir, __u8 *pkt, const struct quic_long_hdr *h,
		    struct quic_stats *st)
{
	const struct quic_keys *k;
	struct quic_keys other;
	__u8 stack[2048], *out = stack;
	long n;
	__u64 pn;

	if (!(c->flags & QUIC_CF_KEYS)) {
		/* only the client's first DCID gives the keys */
		if (dir != TLSMON_DIR_C2S || derive(c, h->version, h->dcid, h->dcid_len))
			goto fail;
		c->cscid_len = h->scid_len;
		memcpy(c->cscid, h->scid, h->scid_len);
	}
	if (dir == TLSMON_DIR_S2C && !c->sscid_len) {
		c->sscid_len = h->scid_len;
		memcpy(c->sscid, h->scid, h->scid_len);
	}
	k = keys(c, dir == TLSMON_DIR_S2C);
	if (!k)
		goto fail;
	if (h->version != c->version) {
		/* compatible version negotiation (RFC 9368): same DCID, the new version's salt */
		if (quic_initial_keys(h->version, c->odcid, c->odcid_len, dir == TLSMON_DIR_S2C,
				      &other))
			goto fail;
		k = &other;
	}
	if (h->len > sizeof(stack)) {
		out = malloc(h->len);
		if (!out)
			goto fail;
	}
	n = quic_open(k, pkt, h->len, h->pn_off, out, h->len, &pn);
	if (n >= 0) {
		st->initial++;
		quic_frames(c, dir, out, n, st);
	}
	if (out != stack)
		free(out);
	if (n >= 0)
		return;
fail:
	c->flags |= QUIC_CF_UNDECRYPTABLE;
	st->undecryptable++;
}

static void packet(struct quic_conn *c, int dir, __u8 *b, const struct quic_long_hdr *h,
		   struct quic_stats *st)
{
	switch (h->type) {
	case QUIC_PT_VN:
		st->vn++;
		if (dir == TLSMON_DIR_S2C)
			take_vn(c, b, h);
		break;
	case QUIC_PT_RETRY:
		st->retry++;
		/* the client's next Initial goes to the Retry's SCID, keys derived from it */
		if (dir == TLSMON_DIR_S2C && h->scid_len && !derive(c, h->version, h->scid, h->scid_len))
			c->flags |= QUIC_CF_RETRY;
		break;
	case QUIC_PT_INITIAL:
		initial(c, dir, b, h, st);
		break;
	default:
		st->skipped++;
	}
}

int quic_conn_datagram(struct quic_conn *c, int dir, __u8 *dg, size_t n, struct quic_stats *st)
{
	struct quic_long_hdr h;
	size_t off = 0;
	int np = 0, r;

	st->datagrams++;
	/* coalesced packets (RFC 9000 12.2); a short header or padding ends the walk */
	while (off < n && np < QUIC_PKTS_MAX && (dg[off] & 0x80)) {
		r = quic_parse_long(dg + off, n - off, &h);
		if (r == -EPROTO)
			st->unknown_version++;
		else if (r)
			st->bad_header++;
		if (r)
			break;
		packet(c, dir, dg + off, &h, st);
		np++;
		off += h.len;
	}
	return np ? np : -1;
}
