// SPDX-License-Identifier: BSD-3-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "output/jbuf.h"

void jbuf_init(struct jbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void jbuf_free(struct jbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->need_comma = 0;
	if (b->s)
		b->s[0] = 0;
}

static int grow_slow(struct jbuf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->oom)
		return -1;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

/* Room for n more bytes and the NUL; inline, as almost every write has it already. */
static inline int grow(struct jbuf *b, size_t n)
{
	if (__builtin_expect(!b->oom && b->len + n + 1 <= b->cap, 1))
		return 0;
	return grow_slow(b, n);
}

void jbuf_raw(struct jbuf *b, const char *s, size_t n)
{
	if (grow(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	/* formatted once into tmp when it fits, the common case */
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		jbuf_raw(b, tmp, n);
		return;
	}
	if (grow(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* One byte: the punctuation, without a call to memcpy for it. */
static inline void put1(struct jbuf *b, char c)
{
	if (grow(b, 1))
		return;
	b->s[b->len++] = c;
	b->s[b->len] = 0;
}

static void sep(struct jbuf *b)
{
	if (b->need_comma)
		put1(b, ',');
	b->need_comma = 1;
}

void jbuf_keyn(struct jbuf *b, const char *key, size_t n)
{
	char *o;

	sep(b);
	if (!key)
		return;
	/* "key": in one step, a record has forty of them */
	if (grow(b, n + 3))
		return;
	o = b->s + b->len;
	o[0] = '"';
	memcpy(o + 1, key, n);
	o[n + 1] = '"';
	o[n + 2] = ':';
	o[n + 3] = 0;
	b->len += n + 3;
}

void jbuf_obj_open(struct jbuf *b)
{
	put1(b, '{');
	b->need_comma = 0;
}

void jbuf_obj_close(struct jbuf *b)
{
	put1(b, '}');
	b->need_comma = 1;
}

void jbuf_arr_open(struct jbuf *b)
{
	put1(b, '[');
	b->need_comma = 0;
}

void jbuf_arr_close(struct jbuf *b)
{
	put1(b, ']');
	b->need_comma = 1;
}

/* Length of a valid UTF-8 sequence at p (at most n bytes), 0 if invalid; *out its code point. */
static size_t utf8_len(const unsigned char *p, size_t n, unsigned *out)
{
	size_t len, i;
	unsigned cp;

	*out = p[0];
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*out = cp;
	return len;
}

/*
 * Characters valid in JSON that still act on a reader: C1 controls (a
 * terminal takes U+009B as CSI), the bidirectional controls that reorder
 * what is shown (marks, embeddings, overrides, isolates), and the line and
 * paragraph separators that end a line for some readers.  Written \uXXXX.
 */
static int must_escape(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int jbuf_utf8_ok(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, k;
	unsigned cp;

	while (i < n) {
		k = utf8_len(p + i, n - i, &cp);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Bytes that stand for themselves in a JSON string: printable ASCII but '"' and '\\'. */
static const uint8_t plain[256] = {
	[0x20 ... 0x21] = 1,	/* '"' is 0x22 */
	[0x23 ... 0x5b] = 1,	/* '\\' is 0x5c */
	[0x5d ... 0x7e] = 1,
};

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/*
 * How many bytes from p on stand for themselves: sixteen at a time (SSE2)
 * or eight (any word size) while a block has none below 0x20, none above
 * 0x7e, no '"' and no '\\' (each test exact for "any byte of the block"),
 * then byte by byte.
 */
static size_t plain_run(const unsigned char *p, size_t n)
{
	size_t k = 0;
	uint64_t w, q, bs;

#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f),
		      quote = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\');
	__m128i v, bad;

	for (; k + 16 <= n; k += 16) {
		v = _mm_loadu_si128((const __m128i *)(p + k));
		/* signed: 0x80-0xff are negative, so not above 0x1f either */
		bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, quote)),
				   _mm_cmpeq_epi8(v, bsl));
		if (_mm_movemask_epi8(_mm_andnot_si128(bad, _mm_cmpgt_epi8(v, lo))) != 0xffff)
			break;
	}
#endif
	for (; k + 8 <= n; k += 8) {
		memcpy(&w, p + k, 8);
		q = w ^ (ONES * '"');
		bs = w ^ (ONES * '\\');
		if ((((w - ONES * 0x20) & ~w) | (w + ONES) | w | ((q - ONES) & ~q) |
		     ((bs - ONES) & ~bs)) & HIGH)
			break;
	}
	while (k < n && plain[p[k]])
		k++;
	return k;
}

/* src escaped into dst; *bad set when src is not valid UTF-8 (as jbuf_utf8_ok). */
static size_t escape(char *dst, size_t dstlen, const void *src, size_t n, int *bad)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t i = 0, o = 0, k;
	char e[8];
	const char *rep;
	size_t rl;
	unsigned cp;

	while (i < n) {
		/* a run of bytes that stand for themselves: copied at once */
		k = i + plain_run(p + i, n - i);
		if (k > i) {
			rl = k - i;
			if (o + rl >= dstlen)
				rl = dstlen > o + 1 ? dstlen - o - 1 : 0;
			memcpy(dst + o, p + i, rl);
			o += rl;
			i += rl;
			if (i < k)
				break;	/* dst is full */
			continue;
		}
		rep = e;
		rl = 0;
		if (p[i] == '"' || p[i] == '\\') {
			e[0] = '\\';
			e[1] = p[i];
			rl = 2;
			k = 1;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			memcpy(e, "\\u00", 4);
			e[4] = hex[p[i] >> 4];
			e[5] = hex[p[i] & 15];
			rl = 6;
			k = 1;
		} else if (p[i] < 0x80) {
			e[0] = p[i];
			rl = 1;
			k = 1;
		} else if ((k = utf8_len(p + i, n - i, &cp)) && !must_escape(cp)) {
			rep = (const char *)p + i;
			rl = k;
		} else {
			/* a byte not part of valid UTF-8 is U+FFFD (the "_hex" field has it) */
			if (!k) {
				*bad = 1;
				cp = 0xfffd;
				k = 1;
			}
			memcpy(e, "\\u", 2);
			e[2] = hex[cp >> 12 & 15];
			e[3] = hex[cp >> 8 & 15];
			e[4] = hex[cp >> 4 & 15];
			e[5] = hex[cp & 15];
			rl = 6;
		}
		if (o + rl >= dstlen)
			break;
		memcpy(dst + o, rep, rl);
		o += rl;
		i += k;
	}
	if (dstlen)
		dst[o < dstlen ? o : dstlen - 1] = 0;
	return o;
}

/* The escaped string; 1 when it is not valid UTF-8 (scanned once for both). */
static int str_only(struct jbuf *b, const char *key, size_t kn, const void *s, size_t n)
{
	int bad = 0;

	jbuf_keyn(b, key, kn);
	/* most strings need no escaping at all */
	if (plain_run(s, n) == n) {
		if (grow(b, n + 2))
			return 0;
		b->s[b->len++] = '"';
		memcpy(b->s + b->len, s, n);
		b->len += n;
		b->s[b->len++] = '"';
		b->s[b->len] = 0;
		return 0;
	}
	/* an escaped byte takes at most 6 */
	if (grow(b, 6 * n + 2))
		return !jbuf_utf8_ok(s, n);
	b->s[b->len++] = '"';
	b->len += escape(b->s + b->len, 6 * n + 1, s, n, &bad);
	b->s[b->len++] = '"';
	b->s[b->len] = 0;
	return bad;
}

/* "KEY_hex" */
static void hex_key(struct jbuf *b, const char *key, size_t kn)
{
	sep(b);
	jbuf_raw(b, "\"", 1);
	jbuf_raw(b, key, kn);
	jbuf_raw(b, "_hex\":", 6);
}

static void hex_only(struct jbuf *b, const void *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = s;
	size_t i;

	if (grow(b, 2 * n + 2))
		return;
	b->s[b->len++] = '"';
	for (i = 0; i < n; i++) {
		b->s[b->len++] = hex[p[i] >> 4];
		b->s[b->len++] = hex[p[i] & 15];
	}
	b->s[b->len++] = '"';
	b->s[b->len] = 0;
}

void jbuf_val_hex(struct jbuf *b, const void *s, size_t n)
{
	hex_only(b, s, n);
}

void jbuf_strn_kn(struct jbuf *b, const char *key, size_t kn, const void *s, size_t n)
{
	if (str_only(b, key, kn, s, n) && key) {
		hex_key(b, key, kn);
		hex_only(b, s, n);
	}
}

void jbuf_strn_only_kn(struct jbuf *b, const char *key, size_t kn, const void *s, size_t n)
{
	str_only(b, key, kn, s, n);
}

void jbuf_strv_kn(struct jbuf *b, const char *key, size_t kn, const struct jbuf_bytes *v,
		  size_t n)
{
	size_t i, bad = 0;

	jbuf_keyn(b, key, kn);
	jbuf_arr_open(b);
	for (i = 0; i < n; i++)
		bad += str_only(b, NULL, 0, v[i].p, v[i].n);
	jbuf_arr_close(b);
	if (!bad || !key)
		return;
	hex_key(b, key, kn);
	jbuf_arr_open(b);
	for (i = 0; i < n; i++)
		jbuf_hex(b, NULL, v[i].p, v[i].n);
	jbuf_arr_close(b);
}

void jbuf_str_kn(struct jbuf *b, const char *key, size_t kn, const char *s)
{
	if (!s) {
		jbuf_keyn(b, key, kn);
		jbuf_val_null(b);
		return;
	}
	jbuf_strn_kn(b, key, kn, s, strlen(s));
}

void jbuf_val_u64(struct jbuf *b, uint64_t v)
{
	char d[20];
	size_t n = sizeof(d);

	do {
		d[--n] = '0' + v % 10;
		v /= 10;
	} while (v);
	jbuf_raw(b, d + n, sizeof(d) - n);
}

void jbuf_val_i64(struct jbuf *b, int64_t v)
{
	char d[21];
	size_t n = sizeof(d);
	/* the magnitude as unsigned: INT64_MIN has no positive counterpart */
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		d[--n] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		d[--n] = '-';
	jbuf_raw(b, d + n, sizeof(d) - n);
}

void jbuf_val_dbl(struct jbuf *b, double v)
{
	jbuf_printf(b, "%.6f", v);
}

void jbuf_val_bool(struct jbuf *b, int v)
{
	jbuf_raw(b, v ? "true" : "false", v ? 4 : 5);
}

void jbuf_val_null(struct jbuf *b)
{
	jbuf_raw(b, "null", 4);
}

void jbuf_val_hex16(struct jbuf *b, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char d[8] = { '"', '0', 'x', hex[v >> 12], hex[v >> 8 & 15], hex[v >> 4 & 15],
		      hex[v & 15], '"' };

	jbuf_raw(b, d, sizeof(d));
}

void jbuf_val_ms_of_ns(struct jbuf *b, uint64_t ns)
{
	char d[32];
	size_t n = sizeof(d), i;
	uint64_t ms = ns / 1000000, frac = ns % 1000000;

	/*
	 * As "%.6f" of ns / 1e6 would print it: below 4e15 ns the double's
	 * error is under half the sixth decimal, so the digits are exact.
	 */
	if (ns >= 4000000000000000ull) {
		jbuf_val_dbl(b, ns / 1e6);
		return;
	}
	for (i = 0; i < 6; i++) {
		d[--n] = '0' + frac % 10;
		frac /= 10;
	}
	d[--n] = '.';
	do {
		d[--n] = '0' + ms % 10;
		ms /= 10;
	} while (ms);
	jbuf_raw(b, d + n, sizeof(d) - n);
}
