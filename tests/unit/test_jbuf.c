// SPDX-License-Identifier: BSD-3-Clause
/*
 * The JSON string escaper (user/output/jbuf.c), under wire bytes: C1
 * controls, bidirectional controls and U+2028/U+2029 are \uXXXX, never raw;
 * a byte that is not part of valid UTF-8 is \ufffd and the key gets
 * "KEY_hex" with the exact bytes, so 0xff and C3 BF ("ÿ") read differently;
 * for random bytes the output is valid JSON and valid UTF-8, and decodes
 * back to the input (from the string when there is no "_hex", else from the
 * hex).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "json_check.h"
#include "output/jbuf.h"

/* {"k":...} of the bytes, into b (reset first) */
static const char *obj(struct jbuf *b, const void *s, size_t n)
{
	jbuf_reset(b);
	jbuf_obj_open(b);
	jbuf_strn(b, "k", s, n);
	jbuf_obj_close(b);
	assert_false(b->oom);
	assert_null(jc_check(b->s, b->len));
	return b->s;
}

static size_t utf8_put(uint8_t *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | (cp >> 12 & 0x3f);
	o[2] = 0x80 | (cp >> 6 & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/*
 * The string at s (after its opening quote) decoded as a JSON reader does,
 * as UTF-8 into out; *end past the closing quote.  Returns the length.
 */
static size_t decode(const char *s, uint8_t *out, const char **end)
{
	size_t n = 0;
	unsigned cp;

	while (*s != '"') {
		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		switch (s[1]) {
		case 'u':
			assert_int_equal(sscanf(s + 2, "%4x", &cp), 1);
			/* the escaper never writes a surrogate pair: nothing it escapes is past U+FFFF */
			assert_false(cp >= 0xd800 && cp <= 0xdfff);
			n += utf8_put(out + n, cp);
			s += 6;
			break;
		case '"':
		case '\\':
			out[n++] = s[1];
			s += 2;
			break;
		default:
			fail_msg("unexpected escape \\%c", s[1]);
		}
	}
	*end = s + 1;
	return n;
}

/* Code points that must never appear raw. */
static int acts(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The output, read as UTF-8: valid, and no character of acts() in it raw. */
static void check_raw(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	unsigned cp;
	int k, i;

	while (*p) {
		if (*p < 0x80) {
			assert_true(*p >= 0x20 && *p != 0x7f);
			p++;
			continue;
		}
		k = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		assert_true(*p >= 0xc2 && *p <= 0xf4);
		cp = *p & (0x7f >> k);
		for (i = 1; i < k; i++) {
			assert_int_equal(p[i] & 0xc0, 0x80);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		assert_false(acts(cp));
		p += k;
	}
}

static void test_ascii_bytes(void **state)
{
	struct jbuf b;
	char want[32];
	unsigned c;

	(void)state;
	jbuf_init(&b);
	for (c = 0; c < 0x80; c++) {
		uint8_t x = c;

		if (c == '"' || c == '\\')
			snprintf(want, sizeof(want), "{\"k\":\"\\%c\"}", c);
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "{\"k\":\"\\u%04x\"}", c);
		else
			snprintf(want, sizeof(want), "{\"k\":\"%c\"}", c);
		assert_string_equal(obj(&b, &x, 1), want);
	}
	jbuf_free(&b);
}

/* Every byte 0x80-0xff alone is invalid UTF-8: U+FFFD, and the hex. */
static void test_lone_high_bytes(void **state)
{
	struct jbuf b;
	char want[48];
	unsigned c;

	(void)state;
	jbuf_init(&b);
	for (c = 0x80; c < 0x100; c++) {
		uint8_t x = c;

		snprintf(want, sizeof(want), "{\"k\":\"\\ufffd\",\"k_hex\":\"%02x\"}", c);
		assert_string_equal(obj(&b, &x, 1), want);
	}
	/* 0xff and the character U+00FF (C3 BF) read differently */
	assert_string_equal(obj(&b, "\xc3\xbf", 2), "{\"k\":\"\xc3\xbf\"}");
	assert_string_equal(obj(&b, "\xff", 1), "{\"k\":\"\\ufffd\",\"k_hex\":\"ff\"}");
	jbuf_free(&b);
}

/* Every code point of the BMP and some beyond: escaped exactly when it acts. */
static void test_code_points(void **state)
{
	struct jbuf b;
	uint8_t in[4];
	char want[32];
	unsigned cp;
	size_t n;

	(void)state;
	jbuf_init(&b);
	for (cp = 0x80; cp < 0x110000; cp += cp < 0x10000 ? 1 : 0x1001) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8_put(in, cp);
		if (acts(cp))
			snprintf(want, sizeof(want), "{\"k\":\"\\u%04x\"}", cp);
		else
			snprintf(want, sizeof(want), "{\"k\":\"%.*s\"}", (int)n, (char *)in);
		assert_string_equal(obj(&b, in, n), want);
	}
	jbuf_free(&b);
}

static void test_hostile_strings(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "\xc2\x9b" "31m", "{\"k\":\"\\u009b31m\"}" },			/* C1 CSI */
		{ "\xc2\x85", "{\"k\":\"\\u0085\"}" },				/* NEL */
		{ "rlo\xe2\x80\xae" "gnp.exe", "{\"k\":\"rlo\\u202egnp.exe\"}" },
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "{\"k\":\"\\u2066x\\u2069\"}" },	/* LRI .. PDI */
		{ "a\xe2\x80\xa8" "b\xe2\x80\xa9", "{\"k\":\"a\\u2028b\\u2029\"}" },
		{ "\xe2\x80\x8f\xd8\x9c", "{\"k\":\"\\u200f\\u061c\"}" },		/* RLM, ALM */
		{ "caf\xc3\xa9", "{\"k\":\"caf\xc3\xa9\"}" },
		{ "\xef\xbf\xbd", "{\"k\":\"\xef\xbf\xbd\"}" },		/* a real U+FFFD: no hex */
		/* invalid: overlong, surrogate, past U+10FFFF, cut short: U+FFFD a byte */
		{ "\xc0\xaf", "{\"k\":\"\\ufffd\\ufffd\",\"k_hex\":\"c0af\"}" },
		{ "\xed\xa0\x80", "{\"k\":\"\\ufffd\\ufffd\\ufffd\",\"k_hex\":\"eda080\"}" },
		{ "\xf4\x90\x80\x80", "{\"k\":\"\\ufffd\\ufffd\\ufffd\\ufffd\",\"k_hex\":\"f4908080\"}" },
		{ "x\xe2\x82", "{\"k\":\"x\\ufffd\\ufffd\",\"k_hex\":\"78e282\"}" },
		{ "a\xff" "b\xc3\xbf", "{\"k\":\"a\\ufffdb\xc3\xbf\",\"k_hex\":\"61ff62c3bf\"}" },
	};
	struct jbuf b;
	size_t i;

	(void)state;
	jbuf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		obj(&b, cases[i].in, strlen(cases[i].in));
		assert_string_equal(b.s, cases[i].want);
		check_raw(b.s);
	}
	jbuf_free(&b);
}

static int hexval(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*s != '"') {
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = v;
		s += 2;
	}
	return n;
}

/* Random bytes, biased to the interesting ranges: valid, lossless, nothing raw that acts. */
static void test_random_round_trip(void **state)
{
	static const uint8_t pick[] = { 0xc2, 0x80, 0x9f, 0xe2, 0x80, 0xae, 0x81, 0xa6, 0xa8,
					0xc3, 0xbf, 0xff, 0xed, 0xa0, 0xf0, 0x90, 0x22, 0x5c };
	uint8_t in[48], back[6 * 48];
	const char *s, *end;
	struct jbuf b;
	size_t n, k;
	int round;

	(void)state;
	jbuf_init(&b);
	srand(4321);
	for (round = 0; round < 20000; round++) {
		n = rand() % sizeof(in);
		for (k = 0; k < n; k++)
			in[k] = rand() % 3 ? pick[rand() % sizeof(pick)] : rand();
		s = obj(&b, in, n);
		check_raw(s);
		assert_memory_equal(s, "{\"k\":\"", 6);
		k = decode(s + 6, back, &end);
		if (!strcmp(end, "}")) {
			assert_true(jbuf_utf8_ok(in, n));
			assert_int_equal(k, n);
			assert_memory_equal(back, in, n);
		} else {
			assert_false(jbuf_utf8_ok(in, n));
			assert_memory_equal(end, ",\"k_hex\":\"", 10);
			assert_int_equal(hexval(end + 10, back), n);
			assert_memory_equal(back, in, n);
		}
	}
	jbuf_free(&b);
}

/*
 * Every byte value at every place of a longer plain string (runs of plain
 * bytes are scanned sixteen, then eight, then one at a time: two blocks of
 * sixteen, a word and a byte): escaped as it is alone, the bytes around it
 * as they are.
 */
static void test_byte_in_run(void **state)
{
	char alone[16], want[64];
	uint8_t in[41];
	struct jbuf b;
	unsigned c, i;
	size_t n;

	(void)state;
	jbuf_init(&b);
	for (c = 0; c < 256; c++) {
		uint8_t x = c;

		jbuf_reset(&b);
		jbuf_strn_only(&b, NULL, &x, 1);
		assert_true(b.len >= 3 && b.len - 2 < sizeof(alone));
		n = b.len - 2;
		memcpy(alone, b.s + 1, n);
		for (i = 0; i < sizeof(in); i++) {
			memset(in, 'a', sizeof(in));
			in[i] = c;
			jbuf_reset(&b);
			jbuf_strn_only(&b, NULL, in, sizeof(in));
			want[0] = '"';
			memset(want + 1, 'a', i);
			memcpy(want + 1 + i, alone, n);
			memset(want + 1 + i + n, 'a', sizeof(in) - 1 - i);
			want[sizeof(in) + n] = '"';
			want[sizeof(in) + n + 1] = 0;
			assert_string_equal(b.s, want);
		}
	}
	jbuf_free(&b);
}

/* Arrays: "KEY_hex" with every element when any one is invalid; none otherwise. */
static void test_arrays(void **state)
{
	struct jbuf_bytes ok[] = { { "h2", 2 }, { "\xe2\x80\xae", 3 } };
	struct jbuf_bytes bad[] = { { "h2", 2 }, { "\xff", 1 }, { "", 0 } };
	struct jbuf b;

	(void)state;
	jbuf_init(&b);
	jbuf_obj_open(&b);
	jbuf_strv(&b, "a", ok, 2);
	jbuf_strv(&b, "b", bad, 3);
	jbuf_strv(&b, "c", NULL, 0);
	jbuf_u64(&b, "n", 1);
	jbuf_obj_close(&b);
	assert_string_equal(b.s, "{\"a\":[\"h2\",\"\\u202e\"],\"b\":[\"h2\",\"\\ufffd\",\"\"],"
			    "\"b_hex\":[\"6832\",\"ff\",\"\"],\"c\":[],\"n\":1}");
	assert_null(jc_check(b.s, b.len));
	jbuf_free(&b);
}

/* Milliseconds, numbers and hex written by hand: what printf wrote before. */
static void test_numbers_as_printf(void **state)
{
	static const uint64_t edge[] = { 0, 1, 999999, 1000000, 1000001, 1104000, 123456789,
					 3999999999999999ull, 4000000000000000ull,
					 18446744073709551615ull };
	static const int64_t sv[] = { 0, -1, 1, -86400, 9223372036854775807ll,
				       -9223372036854775807ll - 1 };
	char want[64];
	struct jbuf b;
	uint64_t ns;
	unsigned i;

	(void)state;
	jbuf_init(&b);
	srand(7);
	for (i = 0; i < 200000; i++) {
		ns = i < sizeof(edge) / sizeof(edge[0]) ? edge[i] :
		     ((uint64_t)rand() << 31 ^ rand()) % (i & 1 ? 10000000000ull : 5000000000000000ull);
		jbuf_reset(&b);
		jbuf_ms_of_ns(&b, NULL, ns);
		snprintf(want, sizeof(want), "%.6f", ns / 1e6);
		if (strcmp(b.s, want))
			fail_msg("%llu ns: \"%s\", printf \"%s\"", (unsigned long long)ns, b.s, want);
	}
	for (i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
		jbuf_reset(&b);
		jbuf_i64(&b, NULL, sv[i]);
		snprintf(want, sizeof(want), "%lld", (long long)sv[i]);
		assert_string_equal(b.s, want);
	}
	for (i = 0; i < 0x10000; i += 0x1111 / 3) {
		jbuf_reset(&b);
		jbuf_hex16(&b, NULL, i);
		snprintf(want, sizeof(want), "\"0x%04x\"", i);
		assert_string_equal(b.s, want);
	}
	jbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_bytes),
		cmocka_unit_test(test_lone_high_bytes),
		cmocka_unit_test(test_code_points),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_byte_in_run),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_numbers_as_printf),
	};

	return cmocka_run_group_tests_name("jbuf", tests, NULL, NULL);
}
