// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/lib/tls_names.c: the lookup tables are searched with bsearch(), so each must
 * be sorted with no value twice, or some names silently go missing.  Unknown
 * values print as hex and GREASE values are marked, never named.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "lib/tls_names.h"
#include "tls_parse.h"

/*
 * The tables are static: compile tls_names.c once more here, its functions
 * renamed so they do not clash with the linked copy, to reach them.  The
 * functions under test are still the linked ones.
 */
#define tls_cipher_name nt_cipher_name
#define tls_group_name nt_group_name
#define tls_sigalg_name nt_sigalg_name
#define tls_ext_name nt_ext_name
#define tls_alert_name nt_alert_name
#define tls_hs_type_name nt_hs_type_name
#define tls_err_name nt_err_name
#define tls_cipher_str nt_cipher_str
#define tls_group_str nt_group_str
#define tls_sigalg_str nt_sigalg_str
#define tls_ext_str nt_ext_str
#define tls_alert_str nt_alert_str
#define tls_version_str nt_version_str
#include "lib/tls_names.c"
#undef tls_cipher_name
#undef tls_group_name
#undef tls_sigalg_name
#undef tls_ext_name
#undef tls_alert_name
#undef tls_hs_type_name
#undef tls_err_name
#undef tls_cipher_str
#undef tls_group_str
#undef tls_sigalg_str
#undef tls_ext_str
#undef tls_alert_str
#undef tls_version_str

struct table {
	const char *what;
	const struct name16 *t;
	size_t n;
	const char *(*name)(uint16_t);
	const char *(*str)(uint16_t, char *, size_t);
};

#define TABLE(w, t, f, s) { w, t, sizeof(t) / sizeof(t[0]), f, s }
static const struct table tables[] = {
	TABLE("cipher", ciphers, tls_cipher_name, tls_cipher_str),
	TABLE("group", groups, tls_group_name, tls_group_str),
	TABLE("signature algorithm", sigalgs, tls_sigalg_name, tls_sigalg_str),
	TABLE("extension", exts, tls_ext_name, tls_ext_str),
};

static void test_sorted(void **state)
{
	const struct table *t = *state;
	size_t i;

	assert_true(t->n > 0);
	for (i = 0; i < t->n; i++) {
		assert_non_null(t->t[i].name);
		assert_true(t->t[i].name[0] != 0);
		if (i && t->t[i - 1].v >= t->t[i].v) {
			print_error("%s table: 0x%04x (%s) after 0x%04x (%s): not sorted\n", t->what,
				    t->t[i].v, t->t[i].name, t->t[i - 1].v, t->t[i - 1].name);
			fail();
		}
	}
}

/* Every entry is found by the lookup, and every value found is an entry. */
static void test_lookup(void **state)
{
	const struct table *t = *state;
	size_t i, found = 0;
	unsigned v;

	for (i = 0; i < t->n; i++) {
		const char *got = t->name(t->t[i].v);

		if (!got || strcmp(got, t->t[i].name)) {
			print_error("%s 0x%04x: want %s, lookup gives %s\n", t->what, t->t[i].v,
				    t->t[i].name, got ? got : "nothing");
			fail();
		}
	}
	for (v = 0; v < 0x10000; v++)
		found += t->name(v) != NULL;
	assert_int_equal(found, t->n);
}

/* Unknown values print as hex, GREASE values as GREASE, never as a name. */
static void test_unknown_and_grease(void **state)
{
	const struct table *t = *state;
	char buf[32], want[32];
	unsigned v, unknown = 0;

	for (v = 0; v < 0x10000; v++) {
		const char *s = t->str(v, buf, sizeof(buf));

		if (tls_is_grease(v)) {
			snprintf(want, sizeof(want), "GREASE_0x%04x", v);
			assert_string_equal(s, want);
			assert_null(t->name(v));
		} else if (!t->name(v)) {
			snprintf(want, sizeof(want), "0x%04x", v);
			assert_string_equal(s, want);
			unknown++;
		} else {
			assert_string_equal(s, t->name(v));
		}
	}
	assert_true(unknown > 0);
	/* a buffer too small is cut, not overrun */
	assert_string_equal(t->str(0x0a0a, buf, 5), "GREA");
}

static void test_known_names(void **state)
{
	(void)state;
	assert_string_equal(tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
	assert_string_equal(tls_cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	assert_string_equal(tls_group_name(29), "x25519");
	assert_string_equal(tls_group_name(0x11ec), "X25519MLKEM768");
	assert_string_equal(tls_sigalg_name(0x0804), "rsa_pss_rsae_sha256");
	assert_string_equal(tls_ext_name(0), "server_name");
	assert_string_equal(tls_ext_name(0xff01), "renegotiation_info");
	assert_string_equal(tls_alert_name(40), "handshake_failure");
	assert_string_equal(tls_alert_name(112), "unrecognized_name");
	assert_string_equal(tls_hs_type_name(1), "client_hello");
	assert_string_equal(tls_hs_type_name(2), "server_hello");
}

static void test_alerts_and_hs_types(void **state)
{
	char buf[32], want[32];
	unsigned v;

	(void)state;
	for (v = 0; v < 256; v++) {
		const char *s = tls_alert_str(v, buf, sizeof(buf));

		if (tls_alert_name(v)) {
			assert_string_equal(s, tls_alert_name(v));
		} else {
			snprintf(want, sizeof(want), "alert_%u", v);
			assert_string_equal(s, want);
		}
	}
	assert_null(tls_alert_name(255));
	assert_null(tls_hs_type_name(7));
	assert_null(tls_hs_type_name(255));
}

static void test_versions(void **state)
{
	static const struct {
		uint16_t v;
		const char *s;
	} cases[] = {
		{ 0x0002, "SSLv2" },	{ 0x0300, "SSLv3" },   { 0x0301, "TLSv1.0" },
		{ 0x0302, "TLSv1.1" },	{ 0x0303, "TLSv1.2" }, { 0x0304, "TLSv1.3" },
		{ 0xfeff, "DTLSv1.0" }, { 0xfefd, "DTLSv1.2" }, { 0xfefc, "DTLSv1.3" },
		{ 0x7f17, "TLSv1.3-draft23" }, { 0x7f0e, "TLSv1.3-draft14" },
		{ 0xfb1a, "TLSv1.3-fizz" },	{ 0x0a0a, "GREASE_0x0a0a" },
		{ 0xfafa, "GREASE_0xfafa" },	{ 0x0305, "0x0305" },
		{ 0x0000, "0x0000" },	{ 0x0a0b, "0x0a0b" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(tls_version_str(cases[i].v, buf, sizeof(buf)), cases[i].s);
}

static void test_err_names(void **state)
{
	int e, f;

	(void)state;
	for (e = 0; e < TLS_ERR_MAX; e++) {
		assert_string_not_equal(tls_err_name(e), "unknown");
		assert_string_equal(tls_err_name(-e), tls_err_name(e));	/* sign ignored */
		for (f = 0; f < e; f++)
			assert_string_not_equal(tls_err_name(e), tls_err_name(f));
	}
	assert_string_equal(tls_err_name(TLS_ERR_MAX), "unknown");
	assert_string_equal(tls_err_name(-1000), "unknown");
	assert_string_equal(tls_err_name(INT_MIN), "unknown");	/* from the wire */
	assert_string_equal(tls_err_name(INT_MAX), "unknown");
	assert_string_equal(tls_err_name(-TLS_ERR_SHORT), "truncated");
}

static struct CMUnitTest tests[64];
static char test_names[64][96];
static size_t ntests;

static void add(CMUnitTestFunction fn, const void *state, const char *fmt, const char *what)
{
	snprintf(test_names[ntests], sizeof(test_names[ntests]), fmt, what);
	tests[ntests].name = test_names[ntests];
	tests[ntests].test_func = fn;
	tests[ntests].initial_state = (void *)state;
	ntests++;
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		add(test_sorted, &tables[i], "%s table sorted", tables[i].what);
		add(test_lookup, &tables[i], "%s lookup finds every entry", tables[i].what);
		add(test_unknown_and_grease, &tables[i], "%s unknown as hex, GREASE marked",
		    tables[i].what);
	}
	add(test_known_names, NULL, "%s", "known names");
	add(test_alerts_and_hs_types, NULL, "%s", "alerts and handshake types");
	add(test_versions, NULL, "%s", "versions");
	add(test_err_names, NULL, "%s", "parser error names");
	return _cmocka_run_group_tests("names", tests, ntests, NULL, NULL);
}
