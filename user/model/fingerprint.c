// SPDX-License-Identifier: BSD-3-Clause
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/str.h"
#include "model/fingerprint.h"
#include "tls_proto.h"

static const char hexd[] = "0123456789abcdef";

/*
 * The digests, fetched once per thread with a context kept for reuse: the
 * implicit fetch inside EVP_Digest() takes the provider store's locks and
 * allocates a context on every call, which was most of a hello's cost.
 */
static __thread struct {
	EVP_MD *md5, *sha256;
	EVP_MD_CTX *ctx;
	int tried;
} dg;

static void digests_fetch(void)
{
	dg.tried = 1;
	dg.md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	dg.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	dg.ctx = EVP_MD_CTX_new();
}

/* The first nhex hex digits of the digest of s[0..len) (sha256: 1, MD5: 0). */
static void hexdigest(int sha256, const char *s, size_t len, char *out, size_t nhex)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	const EVP_MD *md;

	if (!dg.tried)
		digests_fetch();
	md = sha256 ? dg.sha256 : dg.md5;
	if (!md || !dg.ctx || EVP_DigestInit_ex2(dg.ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(dg.ctx, s, len) != 1 || EVP_DigestFinal_ex(dg.ctx, d, &n) != 1) {
		/* as before: a digest libcrypto cannot make leaves the digits unset */
		EVP_Digest(s, len, d, &n, sha256 ? EVP_sha256() : EVP_md5(), NULL);
	}
	for (i = 0; i < n && 2 * i + 1 < nhex; i++) {
		out[2 * i] = hexd[d[i] >> 4];
		out[2 * i + 1] = hexd[d[i] & 15];
	}
	out[nhex] = 0;
}

/* Ascending, in place: lists of 128 at most, where qsort's calls cost more. */
static void sort16(__u16 *v, size_t n)
{
	size_t i, j;
	__u16 x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* As snprintf(dst, size, "%s_%s_%s", a, b, c): cut at size - 1. */
static void join3(char *dst, size_t size, const char *a, const char *b, const char *c)
{
	const char *part[5] = { a, "_", b, "_", c };
	size_t o = 0, n, i;

	for (i = 0; i < 5 && o + 1 < size; i++) {
		n = strlen(part[i]);
		if (n > size - 1 - o)
			n = size - 1 - o;
		memcpy(dst + o, part[i], n);
		o += n;
	}
	dst[o] = 0;
}

/*
 * Strings of FP_RAW_MAX bytes.  The event's bounds (128 ciphers, 64
 * extensions, 48 signature algorithms...) keep every list well under it;
 * past it, appending stops.  Hand-made formatting: a record's fingerprints
 * take a hundred numbers, and printf was most of the offline reading time.
 */
static size_t put_u(char *buf, size_t n, unsigned v, int hex, char sep)
{
	char d[12];
	size_t k = sizeof(d);

	if (n + 2 + sizeof(d) >= FP_RAW_MAX)
		return n;
	if (sep)
		buf[n++] = sep;
	if (hex) {
		buf[n++] = hexd[(v >> 12) & 15];
		buf[n++] = hexd[(v >> 8) & 15];
		buf[n++] = hexd[(v >> 4) & 15];
		buf[n++] = hexd[v & 15];
	} else {
		do {
			d[--k] = '0' + v % 10;
			v /= 10;
		} while (v);
		memcpy(buf + n, d + k, sizeof(d) - k);
		n += sizeof(d) - k;
	}
	buf[n] = 0;
	return n;
}

static void add(char *buf, char c)
{
	size_t n = strlen(buf);

	if (n + 1 < FP_RAW_MAX) {
		buf[n] = c;
		buf[n + 1] = 0;
	}
}

/*
 * Copy without GREASE; returns the count.  n is the wire's count: only the
 * first max are stored (the event says so with a flag; checked, not trusted).
 */
static size_t ungrease(const __u16 *in, size_t n, size_t max, __u16 *out)
{
	size_t i, k = 0;

	for (i = 0; i < n && i < max; i++)
		if (!TLS_IS_GREASE(in[i]))
			out[k++] = in[i];
	return k;
}

/* Comma-joined 4-digit hex, or '-'-joined decimal (JA3). */
static void join(char *buf, const __u16 *v, size_t cnt, int hex)
{
	size_t i, n = strlen(buf);

	for (i = 0; i < cnt; i++)
		n = put_u(buf, n, v[i], hex, i ? (hex ? ',' : '-') : 0);
}

const char *fingerprint_ja4_version(const struct tls_client_hello *ch)
{
	__u16 v = ch->legacy_version, best = 0;
	unsigned i, n = ch->n_versions < TLSMON_MAX_VERSIONS ? ch->n_versions : TLSMON_MAX_VERSIONS;

	/* the highest supported_versions value, GREASE ignored */
	for (i = 0; i < n; i++)
		if (!TLS_IS_GREASE(ch->versions[i]) && ch->versions[i] > best)
			best = ch->versions[i];
	if (n)
		v = best;
	switch (v) {
	case TLS_V_TLS13:
		return "13";
	case TLS_V_TLS12:
		return "12";
	case TLS_V_TLS11:
		return "11";
	case TLS_V_TLS10:
		return "10";
	case TLS_V_SSL3:
		return "s3";
	case TLS_V_SSL2:
		return "s2";
	case TLS_V_DTLS10:
		return "d1";
	case TLS_V_DTLS12:
		return "d2";
	case TLS_V_DTLS13:
		return "d3";
	}
	return "00";
}

static int alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* JA4.md "ALPN Extension Value": first and last character, hex when not alphanumeric. */
static void ja4_alpn(const struct tls_client_hello *ch, char out[3])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a = ch->alpn0_first, z = ch->alpn0_last;

	if (!(ch->flags & TLS_CHF_ALPN) || !ch->alpn0_len) {
		strcpy(out, "00");
		return;
	}
	if (alnum(a) && alnum(z)) {
		out[0] = a;
		out[1] = z;
	} else {
		out[0] = hex[a >> 4];
		out[1] = hex[z & 15];
	}
	out[2] = 0;
}

/*
 * Fingerprints by offer.  Clients of one software send the same lists, so a
 * hello's fingerprints are kept under everything fingerprint_client() reads
 * of it: the lists without GREASE in wire order, the legacy version, the
 * JA4 version and ALPN codes and the SNI flag.  A hit compares the whole
 * key: two offers that differ anywhere never share an entry.  Direct mapped
 * by the key's hash, a slot taken by the latest offer; a table per thread,
 * allocated on first use, strings of an entry in one allocation made on a
 * miss (a hit allocates nothing).
 */
#define FPC_SLOTS 256
#define FPC_LIST_MAX \
	(TLSMON_MAX_CIPHERS + TLSMON_MAX_EXTS + TLSMON_MAX_SIGALGS + TLSMON_MAX_GROUPS + \
	 TLSMON_MAX_ECPF)

struct fpc_key {
	__u16 legacy_version;
	__u8 nc, nall, ns, ng, npf, sni;
	char ver[2], alpn[2];
	__u16 list[FPC_LIST_MAX];	/* ciphers, extensions, sigalgs, groups, point formats */
};
_Static_assert(offsetof(struct fpc_key, list) == 12, "fpc_key without padding");
_Static_assert(TLSMON_MAX_CIPHERS <= 255 && TLSMON_MAX_EXTS <= 255, "fpc_key counts are bytes");

struct fpc_entry {
	uint64_t hash;
	size_t klen;			/* 0: empty */
	struct fpc_key key;
	char ja4[JA4_LEN + 1], ja3[33];
	size_t ja4_r_len, ja3_str_len;
	char *str;			/* ja4_r, NUL, ja3_str, NUL */
};

static __thread struct {
	struct fpc_entry *slot;
	int tried;
	struct fingerprint_cache_stats st;
} fpc;

/* JA3S digests by their string (a server's answer is as repetitive). */
struct sfc_entry {
	uint64_t hash;
	size_t len;			/* 0: empty */
	char str[sizeof(((struct server_fingerprint *)0)->ja3s_str)];
	char ja3s[33];
};

static __thread struct {
	struct sfc_entry *slot;
	int tried;
} sfc;

/* The slot of a key's hash, NULL without a table (out of memory: no caching). */
static struct fpc_entry *fpc_slot(uint64_t h)
{
	if (!fpc.tried) {
		fpc.tried = 1;
		fpc.slot = calloc(FPC_SLOTS, sizeof(*fpc.slot));
	}
	return fpc.slot ? &fpc.slot[h % FPC_SLOTS] : NULL;
}

static int fpc_hit(const struct fpc_entry *e, const struct fpc_key *k, size_t klen, uint64_t h)
{
	return e->klen == klen && e->hash == h && !memcmp(&e->key, k, klen);
}

static void fpc_use(const struct fpc_entry *e, struct fingerprints *fp)
{
	memcpy(fp->ja4, e->ja4, sizeof(e->ja4));
	memcpy(fp->ja3, e->ja3, sizeof(e->ja3));
	memcpy(fp->ja4_r, e->str, e->ja4_r_len + 1);
	memcpy(fp->ja3_str, e->str + e->ja4_r_len + 1, e->ja3_str_len + 1);
	fp->have_ja4 = 1;
	fp->have_ja3 = 1;
	fp->why_not = NULL;
}

/* The slot holds the new offer from now on; without memory it stays empty. */
static void fpc_fill(struct fpc_entry *e, const struct fpc_key *k, size_t klen, uint64_t h,
		     const struct fingerprints *fp)
{
	size_t lr = strlen(fp->ja4_r), l3 = strlen(fp->ja3_str);
	char *s = realloc(e->str, lr + l3 + 2);

	if (!s) {
		free(e->str);
		e->str = NULL;
		e->klen = 0;
		return;
	}
	if (e->klen)
		fpc.st.replaced++;
	e->str = s;
	memcpy(s, fp->ja4_r, lr + 1);
	memcpy(s + lr + 1, fp->ja3_str, l3 + 1);
	e->ja4_r_len = lr;
	e->ja3_str_len = l3;
	memcpy(e->ja4, fp->ja4, sizeof(e->ja4));
	memcpy(e->ja3, fp->ja3, sizeof(e->ja3));
	memcpy(&e->key, k, klen);
	e->klen = klen;
	e->hash = h;
}

const struct fingerprint_cache_stats *fingerprint_cache_stats(void)
{
	return &fpc.st;
}

void fingerprint_cache_free(void)
{
	size_t i;

	if (fpc.slot)
		for (i = 0; i < FPC_SLOTS; i++)
			free(fpc.slot[i].str);
	free(fpc.slot);
	fpc.slot = NULL;
	fpc.tried = 0;
	free(sfc.slot);
	sfc.slot = NULL;
	sfc.tried = 0;
	EVP_MD_free(dg.md5);
	EVP_MD_free(dg.sha256);
	EVP_MD_CTX_free(dg.ctx);
	memset(&dg, 0, sizeof(dg));
}

/* The key's bytes: the fixed part, then the lists back to back. */
static size_t fpc_key_make(struct fpc_key *k, const struct tls_client_hello *ch,
			   const __u16 *ciphers, size_t nc, const __u16 *exts, size_t nall,
			   const __u16 *sig, size_t ns, const __u16 *groups, size_t ng,
			   const char *ver, const char *alpn)
{
	size_t o = 0, i, npf = ch->n_ecpf < TLSMON_MAX_ECPF ? ch->n_ecpf : TLSMON_MAX_ECPF;

	k->legacy_version = ch->legacy_version;
	k->nc = nc;
	k->nall = nall;
	k->ns = ns;
	k->ng = ng;
	k->npf = npf;
	k->sni = !!(ch->flags & TLS_CHF_SNI);
	memcpy(k->ver, ver, 2);
	memcpy(k->alpn, alpn, 2);
	memcpy(k->list + o, ciphers, nc * 2);
	o += nc;
	memcpy(k->list + o, exts, nall * 2);
	o += nall;
	memcpy(k->list + o, sig, ns * 2);
	o += ns;
	memcpy(k->list + o, groups, ng * 2);
	o += ng;
	for (i = 0; i < npf; i++)
		k->list[o++] = ch->ecpf[i];
	return offsetof(struct fpc_key, list) + o * 2;
}

void fingerprint_client(const struct tls_client_hello *ch, struct fingerprints *fp)
{
	__u16 ciphers[TLSMON_MAX_CIPHERS], exts[TLSMON_MAX_EXTS], sig[TLSMON_MAX_SIGALGS];
	__u16 groups[TLSMON_MAX_GROUPS], ext_all[TLSMON_MAX_EXTS];
	/* on the stack: a hello costs no allocation */
	char a[16], alpn[3], cs[FP_RAW_MAX], c_in[FP_RAW_MAX], hb[13], hc[13];
	const char *ver;
	struct fpc_key key;
	struct fpc_entry *e;
	size_t nc, ne, ns, ng, nall, i, k, klen;
	uint64_t h;

	/* every string empty; the rest of each buffer is never read */
	fp->have_ja4 = 0;
	fp->ja4[0] = 0;
	fp->ja4_r[0] = 0;
	fp->have_ja3 = 0;
	fp->ja3[0] = 0;
	fp->ja3_str[0] = 0;
	fp->why_not = NULL;
	if (ch->flags & TLS_CHF_SSLV2) {
		fp->why_not = "SSL 2.0 hello";
		return;
	}
	if (ch->flags & (TLS_CHF_TRUNC_CIPHERS | TLS_CHF_TRUNC_EXTS | TLS_CHF_TRUNC_SIGALGS |
			 TLS_CHF_TRUNC_GROUPS | TLS_CHF_TRUNC_ECPF)) {
		fp->why_not = "the hello's lists exceed what tlsmon keeps";
		return;
	}
	nc = ungrease(ch->ciphers, ch->n_ciphers, TLSMON_MAX_CIPHERS, ciphers);
	nall = ungrease(ch->exts, ch->n_exts, TLSMON_MAX_EXTS, ext_all);
	ns = ungrease(ch->sigalgs, ch->n_sigalgs, TLSMON_MAX_SIGALGS, sig);
	ng = ungrease(ch->groups, ch->n_groups, TLSMON_MAX_GROUPS, groups);
	ja4_alpn(ch, alpn);
	ver = fingerprint_ja4_version(ch);
	klen = fpc_key_make(&key, ch, ciphers, nc, ext_all, nall, sig, ns, groups, ng, ver, alpn);
	h = str_hash64(&key, klen, 0);
	e = fpc_slot(h);
	if (e && fpc_hit(e, &key, klen, h)) {
		fpc.st.hits++;
		fpc_use(e, fp);
		return;
	}
	fpc.st.misses++;
	/* JA4_a */
	snprintf(a, sizeof(a), "t%s%c%02zu%02zu%s", ver, (ch->flags & TLS_CHF_SNI) ? 'd' : 'i',
		 nc > 99 ? 99 : nc, nall > 99 ? 99 : nall, alpn);
	/* JA4_b: ciphers sorted */
	sort16(ciphers, nc);
	cs[0] = 0;
	join(cs, ciphers, nc, 1);
	/* JA4_c: extensions sorted, SNI and ALPN removed, then signature algorithms */
	for (i = 0, ne = 0; i < nall; i++)
		if (ext_all[i] != TLS_EXT_SERVER_NAME && ext_all[i] != TLS_EXT_ALPN)
			exts[ne++] = ext_all[i];
	sort16(exts, ne);
	c_in[0] = 0;
	join(c_in, exts, ne, 1);
	if (ns) {
		add(c_in, '_');
		join(c_in, sig, ns, 1);
	}
	if (nc)
		hexdigest(1, cs, strlen(cs), hb, 12);
	else
		strcpy(hb, "000000000000");
	if (ne)
		hexdigest(1, c_in, strlen(c_in), hc, 12);
	else
		strcpy(hc, "000000000000");
	join3(fp->ja4, sizeof(fp->ja4), a, hb, hc);
	join3(fp->ja4_r, FP_RAW_MAX, a, cs, c_in);
	fp->have_ja4 = 1;

	/* JA3: version,ciphers,extensions,groups,point formats; decimal, wire order */
	{
		__u16 c2[TLSMON_MAX_CIPHERS], pf[TLSMON_MAX_ECPF];

		put_u(fp->ja3_str, 0, ch->legacy_version, 0, 0);
		add(fp->ja3_str, ',');
		join(fp->ja3_str, c2, ungrease(ch->ciphers, ch->n_ciphers, TLSMON_MAX_CIPHERS, c2), 0);
		add(fp->ja3_str, ',');
		join(fp->ja3_str, ext_all, nall, 0);
		add(fp->ja3_str, ',');
		join(fp->ja3_str, groups, ng, 0);
		add(fp->ja3_str, ',');
		for (i = 0, k = 0; i < ch->n_ecpf && i < TLSMON_MAX_ECPF; i++)
			pf[k++] = ch->ecpf[i];
		join(fp->ja3_str, pf, k, 0);
	}
	hexdigest(0, fp->ja3_str, strlen(fp->ja3_str), fp->ja3, 32);
	fp->have_ja3 = 1;
	if (e)
		fpc_fill(e, &key, klen, h, fp);
}

void fingerprint_client_quic(const struct tls_client_hello *ch, struct fingerprints *fp)
{
	fingerprint_client(ch, fp);
	if (fp->have_ja4) {
		fp->ja4[0] = 'q';
		fp->ja4_r[0] = 'q';
	}
}

void fingerprint_server(const struct tls_server_hello *sh, struct server_fingerprint *fp)
{
	__u16 exts[TLSMON_SH_MAX_EXTS];
	size_t n = ungrease(sh->exts, sh->n_exts, TLSMON_SH_MAX_EXTS, exts), i, k;
	struct sfc_entry *e;
	uint64_t h;

	/* "version,cipher,ext-ext-...": 12 bytes at most before the list */
	k = put_u(fp->ja3s_str, 0, sh->legacy_version, 0, 0);
	k = put_u(fp->ja3s_str, k, sh->cipher, 0, ',');
	fp->ja3s_str[k++] = ',';
	fp->ja3s_str[k] = 0;
	/* an extension (6 bytes at most) only while 8 bytes are left */
	for (i = 0; i < n && k + 8 < sizeof(fp->ja3s_str); i++)
		k = put_u(fp->ja3s_str, k, exts[i], 0, i ? '-' : 0);
	/* the digest by its string: servers answer alike too */
	h = str_hash64(fp->ja3s_str, k, 0);
	if (!sfc.tried) {
		sfc.tried = 1;
		sfc.slot = calloc(FPC_SLOTS, sizeof(*sfc.slot));
	}
	e = sfc.slot ? &sfc.slot[h % FPC_SLOTS] : NULL;
	if (e && e->len == k && e->hash == h && !memcmp(e->str, fp->ja3s_str, k)) {
		fpc.st.server_hits++;
		memcpy(fp->ja3s, e->ja3s, sizeof(fp->ja3s));
		return;
	}
	fpc.st.server_misses++;
	hexdigest(0, fp->ja3s_str, k, fp->ja3s, 32);
	if (e) {
		memcpy(e->str, fp->ja3s_str, k);
		memcpy(e->ja3s, fp->ja3s, sizeof(e->ja3s));
		e->len = k;
		e->hash = h;
	}
}
