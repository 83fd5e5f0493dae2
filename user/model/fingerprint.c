// SPDX-License-Identifier: BSD-3-Clause
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
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

void fingerprint_client(const struct tls_client_hello *ch, struct fingerprints *fp)
{
	__u16 ciphers[TLSMON_MAX_CIPHERS], exts[TLSMON_MAX_EXTS], sig[TLSMON_MAX_SIGALGS];
	__u16 groups[TLSMON_MAX_GROUPS], ext_all[TLSMON_MAX_EXTS];
	/* on the stack: a hello costs no allocation */
	char a[16], alpn[3], cs[FP_RAW_MAX], c_in[FP_RAW_MAX], hb[13], hc[13];
	size_t nc, ne, ns, ng, nall, i, k;

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
	/* JA4_a */
	ja4_alpn(ch, alpn);
	snprintf(a, sizeof(a), "t%s%c%02zu%02zu%s", fingerprint_ja4_version(ch),
		 (ch->flags & TLS_CHF_SNI) ? 'd' : 'i', nc > 99 ? 99 : nc, nall > 99 ? 99 : nall,
		 alpn);
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

	/* "version,cipher,ext-ext-...": 12 bytes at most before the list */
	k = put_u(fp->ja3s_str, 0, sh->legacy_version, 0, 0);
	k = put_u(fp->ja3s_str, k, sh->cipher, 0, ',');
	fp->ja3s_str[k++] = ',';
	fp->ja3s_str[k] = 0;
	/* an extension (6 bytes at most) only while 8 bytes are left */
	for (i = 0; i < n && k + 8 < sizeof(fp->ja3s_str); i++)
		k = put_u(fp->ja3s_str, k, exts[i], 0, i ? '-' : 0);
	hexdigest(0, fp->ja3s_str, k, fp->ja3s, 32);
}
