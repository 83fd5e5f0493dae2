// SPDX-License-Identifier: BSD-3-Clause
/*
 * The client fingerprints' cache (user/model/fingerprint.c) on the real
 * hellos of hello_fixtures.h, parsed by the real parser: a hit gives exactly
 * the strings a fresh computation (an empty cache) gives; every hello whose
 * fields differ from a cached one in one thing the fingerprints read is a
 * miss with its own fresh result, and leaves the cached one's intact; two
 * hellos apart only in GREASE share an entry; what the QUIC form changes
 * never reaches the cache.  The same for JA3S digests of server hellos.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/fingerprint.h"
#include "tls_parse.h"
#include "tls_proto.h"
#include "hello_fixtures.h"

#define N_FIX (sizeof(hello_fixtures) / sizeof(hello_fixtures[0]))

static struct tls_client_hello chs[N_FIX];
static struct tls_server_hello shs[N_FIX];
static size_t n_chs, n_shs;

static int parse_ch(const uint8_t *b, uint32_t len, struct tls_client_hello *ch)
{
	struct tls_record rec;
	struct tlsp_ws ws;
	int r;

	memset(ch, 0, sizeof(*ch));
	r = tls_parse_record_hdr(b, 0, len, &rec);
	if (r || rec.sslv2 || rec.len > len - rec.hdr_len)
		return -1;
	return tls_parse_client_hello(b, rec.hdr_len, rec.hdr_len + rec.len, rec.version, ch, &ws);
}

static int parse_sh(const uint8_t *b, uint32_t len, struct tls_server_hello *sh)
{
	struct tls_record rec;
	struct tlsp_ws ws;
	int r;

	memset(sh, 0, sizeof(*sh));
	r = tls_parse_record_hdr(b, 0, len, &rec);
	if (r || rec.sslv2 || rec.len > len - rec.hdr_len)
		return -1;
	return tls_parse_server_hello(b, rec.hdr_len, rec.hdr_len + rec.len, rec.version, sh, &ws);
}

static int setup(void **state)
{
	const struct hello_fixture *f;
	size_t i;

	(void)state;
	for (i = 0; i < N_FIX; i++) {
		f = &hello_fixtures[i];
		if (f->kind == HF_CH && !parse_ch(f->b, f->len, &chs[n_chs]))
			n_chs++;
		if (f->kind == HF_SH && !parse_sh(f->b, f->len, &shs[n_shs]))
			n_shs++;
	}
	return n_chs < 10 || n_shs < 5 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fingerprint_cache_free();
	return 0;
}

static void fp_equal(const struct fingerprints *a, const struct fingerprints *b)
{
	assert_int_equal(a->have_ja4, b->have_ja4);
	assert_int_equal(a->have_ja3, b->have_ja3);
	assert_string_equal(a->ja4, b->ja4);
	assert_string_equal(a->ja4_r, b->ja4_r);
	assert_string_equal(a->ja3, b->ja3);
	assert_string_equal(a->ja3_str, b->ja3_str);
	assert_ptr_equal(a->why_not, b->why_not);
}

/* With the cache empty: computed, not looked up. */
static void fresh(const struct tls_client_hello *ch, struct fingerprints *fp)
{
	unsigned long long m;

	fingerprint_cache_free();
	m = fingerprint_cache_stats()->misses;
	memset(fp, 0x5a, sizeof(*fp));
	fingerprint_client(ch, fp);
	if (fp->have_ja4)
		assert_int_equal(fingerprint_cache_stats()->misses, m + 1);
}

static void cached(const struct tls_client_hello *ch, struct fingerprints *fp)
{
	memset(fp, 0x5a, sizeof(*fp));
	fingerprint_client(ch, fp);
}

/* Every real hello: the second look is a hit and gives the fresh strings. */
static void test_hit_is_fresh(void **state)
{
	static struct fingerprints f0, f1, f2;
	unsigned long long h;
	size_t i, hits = 0;

	(void)state;
	for (i = 0; i < n_chs; i++) {
		fresh(&chs[i], &f0);
		cached(&chs[i], &f1);
		h = fingerprint_cache_stats()->hits;
		cached(&chs[i], &f2);
		fp_equal(&f0, &f1);
		fp_equal(&f0, &f2);
		if (f0.have_ja4) {
			assert_int_equal(fingerprint_cache_stats()->hits, h + 1);
			hits++;
		}
	}
	assert_true(hits >= 10);
}

/* All hellos through one cache, twice, in two orders: each gives its fresh result. */
static void test_many_offers(void **state)
{
	static struct fingerprints want[N_FIX], got;
	size_t i, round;

	(void)state;
	for (i = 0; i < n_chs; i++)
		fresh(&chs[i], &want[i]);
	fingerprint_cache_free();
	for (round = 0; round < 2; round++)
		for (i = 0; i < n_chs; i++) {
			size_t j = round ? n_chs - 1 - i : i;

			cached(&chs[j], &got);
			fp_equal(&want[j], &got);
		}
}

/* One field of a hello changed: its own result, never the cached one's. */
enum edit {
	E_LEGACY, E_CIPHER_ORDER, E_CIPHER_VALUE, E_EXT_ORDER, E_SIGALG, E_GROUP, E_ECPF,
	E_SNI_FLAG, E_ALPN_LAST, E_VERSION, E_DROP_EXT, E_COUNT
};

static int edit(struct tls_client_hello *ch, enum edit e)
{
	__u16 t;

	switch (e) {
	case E_LEGACY:
		ch->legacy_version ^= 1;
		return 1;
	case E_CIPHER_ORDER:
		if (ch->n_ciphers < 2 || ch->ciphers[0] == ch->ciphers[1] ||
		    TLS_IS_GREASE(ch->ciphers[0]) || TLS_IS_GREASE(ch->ciphers[1]))
			return 0;
		t = ch->ciphers[0];
		ch->ciphers[0] = ch->ciphers[1];
		ch->ciphers[1] = t;
		return 1;
	case E_CIPHER_VALUE:
		if (!ch->n_ciphers)
			return 0;
		ch->ciphers[ch->n_ciphers - 1] ^= 0x0100;
		return !TLS_IS_GREASE(ch->ciphers[ch->n_ciphers - 1]);
	case E_EXT_ORDER:
		if (ch->n_exts < 2 || ch->exts[0] == ch->exts[ch->n_exts - 1] ||
		    TLS_IS_GREASE(ch->exts[0]) || TLS_IS_GREASE(ch->exts[ch->n_exts - 1]))
			return 0;
		t = ch->exts[0];
		ch->exts[0] = ch->exts[ch->n_exts - 1];
		ch->exts[ch->n_exts - 1] = t;
		return 1;
	case E_SIGALG:
		if (!ch->n_sigalgs)
			return 0;
		ch->sigalgs[ch->n_sigalgs - 1] ^= 0x0100;
		return !TLS_IS_GREASE(ch->sigalgs[ch->n_sigalgs - 1]);
	case E_GROUP:
		if (!ch->n_groups)
			return 0;
		ch->groups[ch->n_groups - 1] ^= 0x0100;
		return !TLS_IS_GREASE(ch->groups[ch->n_groups - 1]);
	case E_ECPF:
		if (!ch->n_ecpf)
			return 0;
		ch->ecpf[ch->n_ecpf - 1] ^= 1;
		return 1;
	case E_SNI_FLAG:
		ch->flags ^= TLS_CHF_SNI;
		return 1;
	case E_ALPN_LAST:
		if (!(ch->flags & TLS_CHF_ALPN) || !ch->alpn0_len)
			return 0;
		ch->alpn0_last ^= 1;
		return 1;
	case E_VERSION:
		if (!ch->n_versions || ch->versions[0] != TLS_V_TLS13)
			return 0;
		ch->versions[0] = TLS_V_TLS12;
		return 1;
	case E_DROP_EXT:
		if (!ch->n_exts)
			return 0;
		ch->n_exts--;
		return !TLS_IS_GREASE(ch->exts[ch->n_exts]);
	default:
		return 0;
	}
}

static void test_one_field_apart(void **state)
{
	static struct tls_client_hello v;
	static struct fingerprints base, want, got;
	unsigned long long m;
	size_t i, done[E_COUNT] = { 0 };
	int e;

	(void)state;
	for (i = 0; i < n_chs; i++)
		for (e = 0; e < E_COUNT; e++) {
			v = chs[i];
			if (!edit(&v, e))
				continue;
			fresh(&v, &want);
			if (!want.have_ja4)
				continue;
			/* the unedited hello in the cache, then the edited one looked up */
			fingerprint_cache_free();
			cached(&chs[i], &base);
			m = fingerprint_cache_stats()->misses;
			cached(&v, &got);
			assert_int_equal(fingerprint_cache_stats()->misses, m + 1);
			fp_equal(&want, &got);
			/* and the unedited one still its own */
			cached(&chs[i], &got);
			fp_equal(&base, &got);
			done[e]++;
		}
	for (e = 0; e < E_COUNT; e++)
		if (!done[e])
			fail_msg("edit %d applied to no fixture", e);
}

/* GREASE values are not part of any fingerprint: two hellos apart only there share an entry. */
static void test_grease_shares(void **state)
{
	static struct tls_client_hello v;
	static struct fingerprints want, got;
	unsigned long long h;
	size_t i, shared = 0;

	(void)state;
	for (i = 0; i < n_chs; i++) {
		if (!chs[i].n_ciphers || !TLS_IS_GREASE(chs[i].ciphers[0]))
			continue;
		v = chs[i];
		v.ciphers[0] = v.ciphers[0] == 0x0a0a ? 0x1a1a : 0x0a0a;
		fresh(&chs[i], &want);
		h = fingerprint_cache_stats()->hits;
		cached(&v, &got);
		fp_equal(&want, &got);
		assert_int_equal(fingerprint_cache_stats()->hits, h + 1);
		shared++;
	}
	assert_true(shared > 0);
}

/* The QUIC form's 'q' is the caller's copy: the cached entry stays 't'. */
static void test_quic_apart(void **state)
{
	static struct fingerprints t, q, t2;

	(void)state;
	fresh(&chs[0], &t);
	assert_true(t.have_ja4);
	fingerprint_client_quic(&chs[0], &q);
	cached(&chs[0], &t2);
	assert_int_equal(q.ja4[0], 'q');
	assert_int_equal(q.ja4_r[0], 'q');
	assert_string_equal(q.ja4 + 1, t.ja4 + 1);
	assert_string_equal(q.ja3_str, t.ja3_str);
	fp_equal(&t, &t2);
}

/* JA3S: every server hello through one table, then each edited in its cipher. */
static void sfresh(const struct tls_server_hello *sh, struct server_fingerprint *fp)
{
	unsigned long long m;

	fingerprint_cache_free();
	m = fingerprint_cache_stats()->server_misses;
	memset(fp, 0x5a, sizeof(*fp));
	fingerprint_server(sh, fp);
	assert_int_equal(fingerprint_cache_stats()->server_misses, m + 1);
}

static void test_server(void **state)
{
	static struct server_fingerprint want[N_FIX], got;
	static struct tls_server_hello v;
	unsigned long long h, m;
	size_t i, round;

	(void)state;
	for (i = 0; i < n_shs; i++)
		sfresh(&shs[i], &want[i]);
	fingerprint_cache_free();
	for (round = 0; round < 2; round++)
		for (i = 0; i < n_shs; i++) {
			h = fingerprint_cache_stats()->server_hits;
			memset(&got, 0x5a, sizeof(got));
			fingerprint_server(&shs[i], &got);
			assert_string_equal(got.ja3s_str, want[i].ja3s_str);
			assert_string_equal(got.ja3s, want[i].ja3s);
			if (round)
				assert_int_equal(fingerprint_cache_stats()->server_hits, h + 1);
		}
	for (i = 0; i < n_shs; i++) {
		v = shs[i];
		v.cipher ^= 0x0100;
		sfresh(&v, &want[0]);
		fingerprint_cache_free();
		fingerprint_server(&shs[i], &got);
		m = fingerprint_cache_stats()->server_misses;
		memset(&got, 0x5a, sizeof(got));
		fingerprint_server(&v, &got);
		assert_int_equal(fingerprint_cache_stats()->server_misses, m + 1);
		assert_string_equal(got.ja3s, want[0].ja3s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_is_fresh),
		cmocka_unit_test(test_many_offers),
		cmocka_unit_test(test_one_field_apart),
		cmocka_unit_test(test_grease_shares),
		cmocka_unit_test(test_quic_apart),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
