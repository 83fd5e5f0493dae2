// SPDX-License-Identifier: BSD-3-Clause
/*
 * The TLS parser (headers/tls_parse.h) on real hellos and on real hellos
 * broken in one place at a time.
 *
 * Positive: every hello of hello_fixtures.h (cut from the corpus, or recorded
 * from openssl, curl, gnutls-cli and python3 on loopback) must parse, and
 * every field the parser gives must equal tshark's dissection of the same
 * bytes, recorded next to them by scripts/gen-hello-fixtures.sh.
 *
 * Negative: truncation at every offset, every length field too large and
 * zero, duplicates, SSLv2, non-TLS bytes, odd SNI bytes, lists and extension
 * counts past the stored bounds, GREASE everywhere.  Variants are built from
 * the real bytes with tests/lib/hello_edit.h, which keeps every enclosing
 * length right, so each breaks exactly one thing.  Every result is also held
 * to the invariants of hello_check.h (zeros on error, nothing silent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "bufcat.h"
#include "hello_check.h"
#include "hello_edit.h"
#include "lib/tls_names.h"
#include "tls_parse.h"
#include "hello_fixtures.h"

/* ---- parsing as a consumer does ---- */

/* The workspace starts dirty: the parser must not rely on zeros there. */
static void dirty_ws(struct tlsp_ws *ws)
{
	memset(ws, 0x5a, sizeof(*ws));
}

static void check_invariants_ch(int r, const struct tls_client_hello *ch)
{
	const char *bad = hc_client_hello(r, ch);

	if (bad) {
		print_error("ClientHello invariant broken (rc %d %s): %s\n", r, tls_err_name(r), bad);
		fail();
	}
}

static void check_invariants_sh(int r, const struct tls_server_hello *sh)
{
	const char *bad = hc_server_hello(r, sh);

	if (bad) {
		print_error("ServerHello invariant broken (rc %d %s): %s\n", r, tls_err_name(r), bad);
		fail();
	}
}

/*
 * Record header, then the hello in it.  A record is read only once it is
 * whole (the datapath waits or hands it to reassembly otherwise): a record
 * longer than the bytes at hand is -TLS_ERR_SHORT here.
 */
static int parse_ch(const uint8_t *b, uint32_t len, struct tls_client_hello *ch)
{
	struct tls_record rec;
	struct tlsp_ws ws;
	int r;

	memset(ch, 0xa5, sizeof(*ch));	/* what the parser leaves must be its own */
	dirty_ws(&ws);
	r = tls_parse_record_hdr(b, 0, len, &rec);
	if (!r && rec.sslv2) {
		r = tls_parse_sslv2_client_hello(b, 0, len, ch);
	} else if (!r && rec.len <= len - rec.hdr_len) {
		r = tls_parse_client_hello(b, rec.hdr_len, rec.hdr_len + rec.len, rec.version, ch, &ws);
	} else {
		memset(ch, 0, sizeof(*ch));
		return r ? r : -TLS_ERR_SHORT;
	}
	check_invariants_ch(r, ch);
	return r;
}

static int parse_sh(const uint8_t *b, uint32_t len, struct tls_server_hello *sh)
{
	struct tls_record rec;
	struct tlsp_ws ws;
	int r;

	memset(sh, 0xa5, sizeof(*sh));
	dirty_ws(&ws);
	r = tls_parse_record_hdr(b, 0, len, &rec);
	if (!r && !rec.sslv2 && rec.len <= len - rec.hdr_len) {
		r = tls_parse_server_hello(b, rec.hdr_len, rec.hdr_len + rec.len, rec.version, sh, &ws);
	} else {
		memset(sh, 0, sizeof(*sh));
		return r ? r : -TLS_ERR_SHORT;
	}
	check_invariants_sh(r, sh);
	return r;
}

/* One hello (CH or SH), result and the struct it filled. */
struct res {
	int r;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
};

static int parse_hx(const struct hx *h, struct res *o)
{
	memset(o, 0, sizeof(*o));
	o->r = h->sh ? parse_sh(h->b, h->len, &o->sh) : parse_ch(h->b, h->len, &o->ch);
	return o->r;
}

static void expect_err(const struct hx *h, int want, const char *what)
{
	struct res o;

	parse_hx(h, &o);
	if (o.r != -want) {
		print_error("%s: want %s, got %s\n", what, want ? tls_err_name(want) : "an error",
			    tls_err_name(o.r));
		fail();
	}
}

static void expect_any_err(const struct hx *h, const char *what)
{
	struct res o;

	parse_hx(h, &o);
	if (o.r == 0) {
		print_error("%s: parsed, want an error\n", what);
		fail();
	}
}

static const struct hello_fixture *fixture(const char *name)
{
	size_t i;

	for (i = 0; i < N_HELLO_FIXTURES; i++)
		if (!strcmp(hello_fixtures[i].name, name))
			return &hello_fixtures[i];
	print_error("no fixture %s: regenerate with scripts/gen-hello-fixtures.sh\n", name);
	fail();
	return NULL;
}

/* The editor is large; one at a time. */
static struct hx *hx_of(const char *name)
{
	static struct hx h;
	const struct hello_fixture *f = fixture(name);

	hx_load(&h, f->b, f->len, f->kind == HF_SH);
	return &h;
}

/* ---- tshark's values against ours ---- */

struct cmp {
	const char *fixture;
	int failed;
	char msg[16384];
};

static void cmp_str(struct cmp *c, const char *field, const char *want, const char *got)
{
	if (!want)
		want = "";
	if (strcmp(want, got)) {
		c->failed++;
		bufcat(c->msg, sizeof(c->msg), "  %s: tshark '%s', parser '%s'\n", field, want, got);
	}
}

static void cmp_num(struct cmp *c, const char *field, const char *want, unsigned long got)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", got);
	cmp_str(c, field, want, buf);
}

static void cmp_hex16(struct cmp *c, const char *field, const char *want, unsigned got)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%04x", got);
	cmp_str(c, field, want, buf);
}

static size_t count_tokens(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return 0;
	for (n = 1; *s; s++)
		n += *s == ',';
	return n;
}

/* The first k comma-separated tokens of s. */
static void first_tokens(const char *s, size_t k, char *out, size_t len)
{
	size_t i = 0;

	out[0] = 0;
	if (!s || !k)
		return;
	for (; *s && i + 1 < len; s++) {
		if (*s == ',' && --k == 0)
			break;
		out[i++] = *s;
	}
	out[i] = 0;
}

/*
 * A list: the count is tshark's (capped at 255 in a u8 field), the array
 * holds the first `max` in wire order, and truncation is flagged iff the
 * list is longer than the array.
 */
static void cmp_list(struct cmp *c, const char *field, const char *want, const uint16_t *arr,
		     unsigned count, unsigned count_cap, unsigned max, const char *fmt, int trunc)
{
	size_t n = count_tokens(want), i, stored;
	char got[8192] = "", exp[8192], name[64];

	snprintf(name, sizeof(name), "%s count", field);
	snprintf(exp, sizeof(exp), "%zu", n < count_cap ? n : count_cap);
	snprintf(got, sizeof(got), "%u", count);
	cmp_str(c, name, exp, got);
	stored = HC_MIN(count, max);
	got[0] = 0;
	for (i = 0; i < stored; i++) {
		if (i)
			bufcat(got, sizeof(got), ",");
		bufcat(got, sizeof(got), fmt, arr[i]);
	}
	first_tokens(want, HC_MIN(n, max), exp, sizeof(exp));
	cmp_str(c, field, exp, got);
	if (trunc != (n > max)) {
		c->failed++;
		bufcat(c->msg, sizeof(c->msg),
		       "  %s: %zu on the wire, %u stored, truncation flag %s\n", field, n, max,
		       trunc ? "set" : "clear");
	}
}

static void hex_bytes(char *out, size_t len, const uint8_t *b, size_t n)
{
	size_t i;

	out[0] = 0;
	for (i = 0; i < n; i++)
		bufcat(out, len, "%02x", b[i]);
}

/* A raw protocol_name_list as tshark's values: hex names, comma-separated. */
static void alpn_hex(char *out, size_t len, const uint8_t *raw, size_t n)
{
	size_t p = 0, k;

	out[0] = 0;
	while (p < n) {
		k = raw[p++];
		if (p + k > n)
			k = n - p;
		if (out[0])
			bufcat(out, len, ",");
		for (; k; k--)
			bufcat(out, len, "%02x", raw[p++]);
	}
}

static int has_token(const char *list, unsigned v)
{
	char buf[16];
	const char *p = list;
	size_t n;

	snprintf(buf, sizeof(buf), "%u", v);
	n = strlen(buf);
	while (p && *p) {
		if (!strncmp(p, buf, n) && (p[n] == ',' || !p[n]))
			return 1;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

static int has_hex_token(const char *list, unsigned v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%04x", v);
	return list && strstr(list, buf) != NULL;
}

static void cmp_flag(struct cmp *c, const char *what, int want, uint32_t flags, uint32_t bit)
{
	if (want != !!(flags & bit)) {
		c->failed++;
		bufcat(c->msg, sizeof(c->msg), "  flag %s: tshark says %s, parser %s\n", what,
		       want ? "present" : "absent", (flags & bit) ? "set" : "clear");
	}
}

static void check_fixture_ch(struct cmp *c, const struct hello_fixture *f,
			     const struct tls_client_hello *ch)
{
	char got[8192];
	size_t n;

	cmp_hex16(c, "record version", f->rec_version, ch->record_version);
	cmp_num(c, "handshake length", f->hs_len, ch->hs_len);
	cmp_hex16(c, "handshake version", f->hs_version, ch->legacy_version);
	cmp_num(c, "session id length", f->sid_len, ch->session_id_len);
	cmp_num(c, "cipher count", f->n_ciphers, ch->n_ciphers);
	cmp_list(c, "cipher suites", f->ciphers, ch->ciphers, ch->n_ciphers, 65535,
		 TLSMON_MAX_CIPHERS, "0x%04x", !!(ch->flags & TLS_CHF_TRUNC_CIPHERS));
	cmp_num(c, "compression methods", f->n_comp, ch->n_compression);
	cmp_list(c, "extension types", f->exts, ch->exts, ch->n_exts, 65535, TLSMON_MAX_EXTS,
		 "%u", !!(ch->flags & TLS_CHF_TRUNC_EXTS));
	cmp_list(c, "supported_versions", f->versions, ch->versions, ch->n_versions, 255,
		 TLSMON_MAX_VERSIONS, "0x%04x", !!(ch->flags & TLS_CHF_TRUNC_VERSIONS));
	hex_bytes(got, sizeof(got), ch->sni, HC_MIN(ch->sni_len, TLSMON_SNI_MAX));
	cmp_str(c, "server_name", f->sni, got);
	alpn_hex(got, sizeof(got), ch->alpn, HC_MIN(ch->alpn_len, TLSMON_ALPN_MAX));
	cmp_str(c, "ALPN", f->alpn, got);
	cmp_list(c, "supported_groups", f->groups, ch->groups, ch->n_groups, 255,
		 TLSMON_MAX_GROUPS, "0x%04x", !!(ch->flags & TLS_CHF_TRUNC_GROUPS));
	cmp_list(c, "key_share groups", f->key_shares, ch->key_shares, ch->n_key_shares, 255,
		 TLSMON_MAX_KEY_SHARES, "%u", !!(ch->flags & TLS_CHF_TRUNC_KEY_SHARES));
	cmp_list(c, "signature_algorithms", f->sigalgs, ch->sigalgs, ch->n_sigalgs, 255,
		 TLSMON_MAX_SIGALGS, "0x%04x", !!(ch->flags & TLS_CHF_TRUNC_SIGALGS));
	{
		uint16_t pf[TLSMON_MAX_ECPF];

		for (n = 0; n < TLSMON_MAX_ECPF; n++)
			pf[n] = ch->ecpf[n];
		cmp_list(c, "ec_point_formats", f->ecpf, pf, ch->n_ecpf, 255, TLSMON_MAX_ECPF,
			 "%u", !!(ch->flags & TLS_CHF_TRUNC_ECPF));
	}
	/* presence flags, from tshark's extension list */
	cmp_flag(c, "server_name", has_token(f->exts, 0), ch->flags, TLS_CHF_SNI);
	cmp_flag(c, "ALPN", has_token(f->exts, 16), ch->flags, TLS_CHF_ALPN);
	cmp_flag(c, "status_request", has_token(f->exts, 5), ch->flags, TLS_CHF_STATUS_REQUEST);
	cmp_flag(c, "padding", has_token(f->exts, 21), ch->flags, TLS_CHF_PADDING);
	cmp_flag(c, "extended_master_secret", has_token(f->exts, 23), ch->flags, TLS_CHF_EMS);
	cmp_flag(c, "session_ticket", has_token(f->exts, 35), ch->flags, TLS_CHF_SESSION_TICKET);
	cmp_flag(c, "pre_shared_key", has_token(f->exts, 41), ch->flags, TLS_CHF_PSK);
	cmp_flag(c, "early_data", has_token(f->exts, 42), ch->flags, TLS_CHF_EARLY_DATA);
	cmp_flag(c, "post_handshake_auth", has_token(f->exts, 49), ch->flags, TLS_CHF_POST_HS_AUTH);
	cmp_flag(c, "renegotiation_info", has_token(f->exts, 0xff01), ch->flags, TLS_CHF_RENEG_INFO);
	cmp_flag(c, "ECH", has_token(f->exts, 0xfe0d) || has_token(f->exts, 0xffce), ch->flags,
		 TLS_CHF_ECH);
	cmp_flag(c, "extensions block", f->exts && *f->exts, ch->flags, TLS_CHF_EXTS_BLOCK);
	cmp_flag(c, "duplicate extension", 0, ch->flags, TLS_CHF_DUP_EXT);
	{
		char stored[8192];

		first_tokens(f->ciphers, TLSMON_MAX_CIPHERS, stored, sizeof(stored));
		cmp_flag(c, "renegotiation SCSV", has_hex_token(stored, 0x00ff), ch->flags,
			 TLS_CHF_SCSV_RENEG);
		cmp_flag(c, "fallback SCSV", has_hex_token(stored, 0x5600), ch->flags,
			 TLS_CHF_SCSV_FALLBACK);
	}
	cmp_flag(c, "SSLv2", 0, ch->flags, TLS_CHF_SSLV2);
}

static void check_fixture_sslv2(struct cmp *c, const struct hello_fixture *f,
				const struct tls_client_hello *ch)
{
	char want[8192] = "", tok[16];
	const char *p;
	size_t k;

	cmp_hex16(c, "record version", f->rec_version, ch->record_version);
	cmp_num(c, "record length", f->hs_len, ch->hs_len);
	cmp_hex16(c, "handshake version", f->hs_version, ch->legacy_version);
	cmp_num(c, "session id length", f->sid_len, ch->session_id_len);
	cmp_num(c, "cipher spec count", f->n_ciphers, ch->n_ciphers + ch->n_sslv2_only);
	/* the specs with a TLS equivalent (first byte 0) are stored as TLS suites */
	for (p = f->ciphers; p && *p; p += k + (p[k] == ',')) {
		k = strcspn(p, ",");
		if (k == 8 && !strncmp(p, "0x00", 4)) {
			snprintf(tok, sizeof(tok), "0x%.4s", p + 4);
			bufcat(want, sizeof(want), want[0] ? ",%s" : "%s", tok);
		}
	}
	cmp_list(c, "TLS cipher suites", want, ch->ciphers, ch->n_ciphers, 65535,
		 TLSMON_MAX_CIPHERS, "0x%04x", !!(ch->flags & TLS_CHF_TRUNC_CIPHERS));
	cmp_flag(c, "SSLv2", 1, ch->flags, TLS_CHF_SSLV2);
}

static void check_fixture_sh(struct cmp *c, const struct hello_fixture *f,
			     const struct tls_server_hello *sh)
{
	char got[1024];

	cmp_hex16(c, "record version", f->rec_version, sh->record_version);
	cmp_num(c, "handshake length", f->hs_len, sh->hs_len);
	cmp_hex16(c, "handshake version", f->hs_version, sh->legacy_version);
	cmp_num(c, "session id length", f->sid_len, sh->session_id_len);
	cmp_hex16(c, "cipher", f->cipher, sh->cipher);
	cmp_num(c, "compression", f->comp, sh->compression);
	cmp_list(c, "extension types", f->exts, sh->exts, sh->n_exts, 65535, TLSMON_SH_MAX_EXTS,
		 "%u", !!(sh->flags & TLS_SHF_TRUNC_EXTS));
	got[0] = 0;
	if (sh->flags & TLS_SHF_SUPPORTED_VERSIONS)
		snprintf(got, sizeof(got), "0x%04x", sh->selected_version);
	cmp_str(c, "supported_versions", f->versions, got);
	got[0] = 0;
	if (sh->flags & TLS_SHF_KEY_SHARE)
		snprintf(got, sizeof(got), "%u", sh->key_share_group);
	cmp_str(c, "key_share group", f->key_shares, got);
	hex_bytes(got, sizeof(got), sh->alpn, HC_MIN(sh->alpn_len, TLSMON_SH_ALPN_MAX));
	cmp_str(c, "ALPN", f->alpn, got);
	cmp_str(c, "HelloRetryRequest", f->hrr, (sh->flags & TLS_SHF_HRR) ? "1" : "0");
	cmp_flag(c, "supported_versions", has_token(f->exts, 43), sh->flags,
		 TLS_SHF_SUPPORTED_VERSIONS);
	cmp_flag(c, "key_share", has_token(f->exts, 51) || has_token(f->exts, 40), sh->flags,
		 TLS_SHF_KEY_SHARE);
	cmp_flag(c, "pre_shared_key", has_token(f->exts, 41), sh->flags, TLS_SHF_PSK);
	cmp_flag(c, "ALPN", has_token(f->exts, 16), sh->flags, TLS_SHF_ALPN);
	cmp_flag(c, "extended_master_secret", has_token(f->exts, 23), sh->flags, TLS_SHF_EMS);
	cmp_flag(c, "renegotiation_info", has_token(f->exts, 0xff01), sh->flags, TLS_SHF_RENEG_INFO);
	cmp_flag(c, "session_ticket", has_token(f->exts, 35), sh->flags, TLS_SHF_SESSION_TICKET);
	cmp_flag(c, "status_request", has_token(f->exts, 5), sh->flags, TLS_SHF_STATUS_REQUEST);
	cmp_flag(c, "extensions block", f->exts && *f->exts, sh->flags, TLS_SHF_EXTS_BLOCK);
	cmp_flag(c, "duplicate extension", 0, sh->flags, TLS_SHF_DUP_EXT);
}

static void test_fixture(void **state)
{
	const struct hello_fixture *f = *state;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_record rec;
	struct cmp c = { .fixture = f->name };
	char v[16];
	int r;

	r = tls_parse_record_hdr(f->b, 0, f->len, &rec);
	assert_int_equal(r, 0);
	snprintf(v, sizeof(v), "0x%04x", rec.version);
	cmp_str(&c, "record header version", f->rec_version, v);
	assert_int_equal(rec.sslv2, f->kind == HF_SSLV2);
	assert_int_equal(rec.hdr_len, f->kind == HF_SSLV2 ? 2 : 5);
	assert_int_equal(rec.len + rec.hdr_len, f->len);
	if (f->kind == HF_SH) {
		r = parse_sh(f->b, f->len, &sh);
		if (r) {
			print_error("%s (%s): ServerHello refused: %s\n", f->name, f->source,
				    tls_err_name(r));
			fail();
		}
		check_fixture_sh(&c, f, &sh);
	} else {
		r = parse_ch(f->b, f->len, &ch);
		if (r) {
			print_error("%s (%s): ClientHello refused: %s\n", f->name, f->source,
				    tls_err_name(r));
			fail();
		}
		if (f->kind == HF_SSLV2)
			check_fixture_sslv2(&c, f, &ch);
		else
			check_fixture_ch(&c, f, &ch);
	}
	if (c.failed) {
		print_error("%s (%s): %d fields differ from tshark\n%s", f->name, f->source,
			    c.failed, c.msg);
		fail();
	}
}

/* ---- truncation ---- */

/*
 * Every prefix of every hello: as it is (the handshake header then claims
 * more than there is), and with the record and handshake lengths rewritten
 * to the cut, so the parser walks into the body and must find the
 * inconsistency there.  The one cut that is a valid hello is the one that
 * drops the whole extensions block.
 */
static void test_truncation(void **state)
{
	const struct hello_fixture *f;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tlsp_ws ws;
	uint8_t b[4096];
	uint32_t cut, hdr, ok_cut;
	size_t i, checked = 0;
	int r;

	(void)state;
	for (i = 0; i < N_HELLO_FIXTURES; i++) {
		f = &hello_fixtures[i];
		assert_true(f->len <= sizeof(b));
		hdr = f->kind == HF_SSLV2 ? 2 : 5;
		ok_cut = 0;
		if (f->kind != HF_SSLV2) {
			struct hx *h = hx_of(f->name);
			int ex = hx_find(h, HX_EXTS, -1, 0);

			ok_cut = ex >= 0 ? h->s[ex].lpos : 0;
		}
		for (cut = 0; cut < f->len; cut++) {
			/* as cut */
			dirty_ws(&ws);
			if (f->kind == HF_SSLV2) {
				r = tls_parse_sslv2_client_hello(f->b, 0, cut, &ch);
				check_invariants_ch(r, &ch);
			} else if (f->kind == HF_CH) {
				r = tls_parse_client_hello(f->b, hdr, cut, 0, &ch, &ws);
				check_invariants_ch(r, &ch);
			} else {
				r = tls_parse_server_hello(f->b, hdr, cut, 0, &sh, &ws);
				check_invariants_sh(r, &sh);
			}
			if (!r) {
				print_error("%s cut at %u of %u: parsed\n", f->name, cut, f->len);
				fail();
			}
			/* cut, with the lengths saying so */
			memcpy(b, f->b, cut);
			if (f->kind == HF_SSLV2) {
				if (cut < 2)
					continue;
				b[0] = 0x80 | ((cut - 2) >> 8);
				b[1] = (cut - 2) & 0xff;
			} else {
				if (cut < 9)
					continue;
				b[3] = (cut - 5) >> 8;
				b[4] = (cut - 5) & 0xff;
				b[6] = 0;
				b[7] = (cut - 9) >> 8;
				b[8] = (cut - 9) & 0xff;
			}
			if (f->kind == HF_SH)
				r = parse_sh(b, cut, &sh);
			else
				r = parse_ch(b, cut, &ch);
			if (cut == ok_cut) {
				if (r) {
					print_error("%s without its extensions block: %s\n", f->name,
						    tls_err_name(r));
					fail();
				}
				assert_int_equal(f->kind == HF_SH ? sh.n_exts : ch.n_exts, 0);
			} else if (!r) {
				print_error("%s cut at %u of %u with lengths fixed: parsed\n", f->name,
					    cut, f->len);
				fail();
			}
			checked++;
		}
	}
	printf("# %zu truncated hellos refused\n", checked);
}

/* ---- every length field, too large and zero ---- */

static int list_bearing_ch(int type)
{
	return type == 0 || type == 16 || type == 43 || type == 10 || type == 13 || type == 11 ||
	       type == 40 || type == 51;
}

static int list_bearing_sh(int type)
{
	/* supported_versions, key_share, pre_shared_key: fixed bodies; ALPN: a list */
	return type == 43 || type == 51 || type == 40 || type == 41 || type == 16;
}

/* What the parser must say when span s's body is emptied, 0 when that is valid. */
static int empty_verdict(const struct hx *h, const struct hx_span *s)
{
	switch (s->what) {
	case HX_RECORD:
		return TLS_ERR_NOT_TLS;	/* empty handshake record */
	case HX_HS:
		return TLS_ERR_LENGTH;
	case HX_SID:
	case HX_EXTS:
	case HX_KS_LIST:	/* RFC 8446 4.2.8: may be empty to ask for an HRR */
		return 0;
	case HX_CIPHERS:
		return TLS_ERR_CIPHERS;
	case HX_COMP:
		return TLS_ERR_COMPRESSION;
	case HX_EXT:
		if (h->sh)
			return !list_bearing_sh(s->ext) ? 0 : s->ext == 16 ? TLS_ERR_ALPN
								     : TLS_ERR_EXT_BODY;
		if (!list_bearing_ch(s->ext))
			return 0;
		return s->ext == 0 ? TLS_ERR_SNI : s->ext == 16 ? TLS_ERR_ALPN : TLS_ERR_EXT_BODY;
	case HX_SNI_LIST:
	case HX_SNI_NAME:
		return TLS_ERR_SNI;
	case HX_ALPN_LIST:
	case HX_ALPN_NAME:
		return TLS_ERR_ALPN;
	default:	/* versions, groups, sigalgs, point formats, key_exchange */
		return TLS_ERR_EXT_BODY;
	}
}

/*
 * Setting only the length field to zero (body left in place) is an error the
 * parser can always see for these; for the others (session id, an
 * extension, a key_exchange) the bytes that follow are read as the next
 * field, which says nothing definite, so those are emptied instead.
 */
static int zero_in_place_detectable(const struct hx_span *s)
{
	return s->what != HX_SID && s->what != HX_EXT && s->what != HX_KS_KEY &&
	       s->end > s->start;
}

static void test_length_fields(void **state)
{
	static struct hx h, orig;
	const struct hello_fixture *f;
	size_t i, tested = 0;
	int k, want;
	char what[256];

	(void)state;
	for (i = 0; i < N_HELLO_FIXTURES; i++) {
		f = &hello_fixtures[i];
		if (f->kind == HF_SSLV2)
			continue;
		hx_load(&orig, f->b, f->len, f->kind == HF_SH);
		for (k = 0; k < orig.n; k++) {
			const struct hx_span *s = &orig.s[k];
			uint32_t lim = s->parent < 0 ? orig.len : orig.s[s->parent].end;
			uint32_t max = (1u << (8 * s->w)) - 1, over = lim - s->start + 1;

			snprintf(what, sizeof(what), "%s: %s length at %u (ext %d)", f->name,
				 hx_what_name(s->what), s->lpos, s->ext);
			/* one more than its container holds */
			h = orig;
			hx_set_len(&h, k, over < max ? over : max);
			expect_any_err(&h, what);
			/* the largest value the field can hold */
			h = orig;
			hx_set_len(&h, k, max);
			expect_any_err(&h, what);
			/* zero, body left in place */
			if (zero_in_place_detectable(s)) {
				h = orig;
				hx_set_len(&h, k, 0);
				expect_any_err(&h, what);
			}
			/* zero, body removed and every enclosing length fixed */
			h = orig;
			hx_empty(&h, k);
			want = empty_verdict(&h, s);
			if (want) {
				expect_err(&h, want, what);
			} else {
				struct res o;

				parse_hx(&h, &o);
				if (o.r) {
					print_error("%s emptied: refused (%s), valid per RFC\n", what,
						    tls_err_name(o.r));
					fail();
				}
			}
			tested++;
		}
	}
	printf("# %zu length fields tested\n", tested);
}

/*
 * Zero-length extensions, named: a list-bearing one is malformed, a flag-only
 * one (EMS, encrypt_then_mac, an empty session_ticket, post_handshake_auth)
 * is how it is always sent, and its flag stays set.
 */
static void test_zero_length_extensions(void **state)
{
	static const struct {
		const char *fixture;
		int type;
		int err;
		uint32_t flag;
	} cases[] = {
		{ "curl-ch", 23, 0, TLS_CHF_EMS },
		{ "curl-ch", 22, 0, TLS_CHF_EXTS_BLOCK },
		{ "curl-ch", 49, 0, TLS_CHF_POST_HS_AUTH },
		{ "openssl-ch", 35, 0, TLS_CHF_SESSION_TICKET },
		{ "gnutls-ch", 5, 0, TLS_CHF_STATUS_REQUEST },
		{ "gnutls-ch", 0xff01, 0, TLS_CHF_RENEG_INFO },
		{ "curl-ch", 21, 0, TLS_CHF_PADDING },
		{ "curl-ch", 0, TLS_ERR_SNI, 0 },
		{ "curl-ch", 16, TLS_ERR_ALPN, 0 },
		{ "curl-ch", 43, TLS_ERR_EXT_BODY, 0 },
		{ "curl-ch", 10, TLS_ERR_EXT_BODY, 0 },
		{ "curl-ch", 13, TLS_ERR_EXT_BODY, 0 },
		{ "curl-ch", 11, TLS_ERR_EXT_BODY, 0 },
		{ "curl-ch", 51, TLS_ERR_EXT_BODY, 0 },
	};
	struct res o;
	size_t i;
	char what[64];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hx *h = hx_of(cases[i].fixture);
		int k = hx_ext(h, cases[i].type, 0);

		assert_true(k >= 0);
		hx_empty(h, k);
		snprintf(what, sizeof(what), "%s, extension %d empty", cases[i].fixture,
			 cases[i].type);
		if (cases[i].err) {
			expect_err(h, cases[i].err, what);
			continue;
		}
		assert_int_equal(parse_hx(h, &o), 0);
		assert_true(o.ch.flags & cases[i].flag);
	}
	/* ticket_len and padding_len are the wire lengths: 0 here */
	{
		struct hx *h = hx_of("curl-ch");

		hx_empty(h, hx_ext(h, 21, 0));
		assert_int_equal(parse_hx(h, &o), 0);
		assert_int_equal(o.ch.padding_len, 0);
	}
}

/* The record length on its own: the record layer's verdicts. */
static void test_record_length(void **state)
{
	struct hx *h = hx_of("curl-ch");
	struct tls_record rec;
	struct tls_client_hello ch;
	uint32_t real = hx_get_len(h, 0);

	(void)state;
	hx_set_len(h, 0, real + 1);	/* one byte still to come */
	assert_int_equal(tls_parse_record_hdr(h->b, 0, h->len, &rec), 0);
	assert_int_equal(rec.len, real + 1);
	assert_int_equal(parse_ch(h->b, h->len, &ch), -TLS_ERR_SHORT);
	hx_set_len(h, 0, TLS_MAX_RECORD_LEN + 1);	/* larger than TLS allows */
	assert_int_equal(tls_parse_record_hdr(h->b, 0, h->len, &rec), -TLS_ERR_NOT_TLS);
	hx_set_len(h, 0, 0);
	assert_int_equal(tls_parse_record_hdr(h->b, 0, h->len, &rec), -TLS_ERR_NOT_TLS);
	hx_set_len(h, 0, real - 1);	/* the hello runs past its record */
	assert_int_equal(parse_ch(h->b, h->len, &ch), -TLS_ERR_SHORT);
	assert_int_equal(tls_parse_record_hdr(h->b, 0, 4, &rec), -TLS_ERR_SHORT);
}

/* ---- duplicates ---- */

static void test_duplicate_extensions(void **state)
{
	static const uint8_t sni2[] = { 0, 14, 0, 0, 11, 's', 'e', 'c', 'o', 'n', 'd', '.', 't',
					'e', 's', 't' };
	static const uint8_t alpn2[] = { 0, 4, 3, 'f', 'o', 'o' };
	static const uint8_t ver2[] = { 2, 0x03, 0x02 };
	struct hx *h = hx_of("openssl-ch");
	struct res o;
	char sni[256];
	int e = hx_ext(h, 0, 0), name = hx_find(h, HX_SNI_NAME, -1, 0);
	uint32_t n = h->s[name].end - h->s[name].start;

	(void)state;
	memcpy(sni, h->b + h->s[name].start, n);
	hx_add_ext(h, 0, sni2, sizeof(sni2));
	assert_int_equal(parse_hx(h, &o), 0);
	assert_true(o.ch.flags & TLS_CHF_DUP_EXT);
	assert_int_equal(o.ch.sni_len, n);	/* the first occurrence */
	assert_memory_equal(o.ch.sni, sni, n);
	assert_true(e >= 0);

	h = hx_of("curl-ch");
	hx_add_ext(h, 16, alpn2, sizeof(alpn2));
	hx_add_ext(h, 43, ver2, sizeof(ver2));
	assert_int_equal(parse_hx(h, &o), 0);
	assert_true(o.ch.flags & TLS_CHF_DUP_EXT);
	assert_int_equal(o.ch.alpn_count, 2);	/* h2, http/1.1: the first list */
	assert_memory_equal(o.ch.alpn, "\x02h2", 3);
	assert_int_equal(o.ch.n_versions, 4);
	assert_int_equal(o.ch.versions[0], 0x0304);
	assert_int_equal(o.ch.n_exts, count_tokens(fixture("curl-ch")->exts) + 2);

	/* the two tracked types past 63: renegotiation_info and ECH */
	h = hx_of("gnutls-ch");
	hx_add_ext(h, 0xff01, "\0", 1);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_true(o.ch.flags & TLS_CHF_DUP_EXT);
	h = hx_of("chrome-ech-ch");
	hx_add_ext(h, 0xfe0d, "\0", 1);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_true(o.ch.flags & TLS_CHF_DUP_EXT);

	/* ServerHello: a second key_share is flagged, the first one used */
	h = hx_of("openssl-sh");
	hx_add_ext(h, 51, "\x00\x17\x00\x01\x04", 5);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_true(o.sh.flags & TLS_SHF_DUP_EXT);
	assert_int_equal(o.sh.key_share_group, 29);
}

/* ---- SSLv2 ---- */

static void test_sslv2(void **state)
{
	const struct hello_fixture *f = fixture("sslv2-compat-ch");
	struct tls_client_hello ch;
	struct tls_record rec;
	struct tlsp_ws ws;
	uint8_t b[512];
	uint32_t cs;

	(void)state;
	assert_int_equal(tls_parse_record_hdr(f->b, 0, f->len, &rec), 0);
	assert_true(rec.sslv2);
	assert_int_equal(rec.version, TLS_V_SSL2);
	assert_int_equal(parse_ch(f->b, f->len, &ch), 0);
	assert_true(ch.flags & TLS_CHF_SSLV2);
	assert_int_equal(ch.legacy_version, TLS_V_TLS10);
	assert_int_equal(ch.n_compression, 1);
	/* not a TLS handshake message: the TLS parser refuses it */
	dirty_ws(&ws);
	assert_true(tls_parse_client_hello(f->b, 2, f->len, 0, &ch, &ws) < 0);
	check_invariants_ch(-1, &ch);

	memcpy(b, f->b, f->len);
	cs = (b[5] << 8) | b[6];
	/* cipher spec length not a multiple of 3 */
	b[6] = (cs + 1) & 0xff;
	assert_int_equal(parse_ch(b, f->len, &ch), -TLS_ERR_SSLV2);
	/* challenge shorter than 16 bytes */
	memcpy(b, f->b, f->len);
	b[10] = 15;
	assert_int_equal(parse_ch(b, f->len, &ch), -TLS_ERR_SSLV2);
	/* record longer than the data */
	memcpy(b, f->b, f->len);
	b[1]++;
	assert_int_equal(parse_ch(b, f->len, &ch), -TLS_ERR_SHORT);
	/* record shorter than its parts */
	memcpy(b, f->b, f->len);
	b[1]--;
	assert_int_equal(parse_ch(b, f->len - 1, &ch), -TLS_ERR_SSLV2);
	/* session id longer than 32 */
	memcpy(b, f->b, f->len);
	b[8] = 33;
	assert_int_equal(parse_ch(b, f->len, &ch), -TLS_ERR_SSLV2);
}

/* ---- bytes that are not TLS ---- */

static void test_not_tls(void **state)
{
#define IN(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *b;
		size_t n;
	} inputs[] = {
		IN("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
		IN("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
		IN("HTTP/1.1 400 Bad Request\r\n\r\n"),
		IN("\x16\x03\x05\x00\x10"),	/* minor version 5 */
		IN("\x16\x02\x01\x00\x10"),	/* major version 2 */
		IN("\x19\x03\x03\x00\x10"),	/* content type 25 */
		IN("\x16\x03\x01\x00\x00"),	/* empty handshake record */
		IN("\x16\x03\x03\x48\x01"),	/* longer than TLS allows */
	};
#undef IN
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_record rec;
	struct tlsp_ws ws;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		const uint8_t *b = (const uint8_t *)inputs[i].b;

		n = inputs[i].n;
		assert_int_equal(tls_parse_record_hdr(b, 0, n, &rec), -TLS_ERR_NOT_TLS);
		assert_true(parse_ch(b, n, &ch) < 0);
		assert_true(parse_sh(b, n, &sh) < 0);
		/* and read as a handshake message right away */
		dirty_ws(&ws);
		assert_true(tls_parse_client_hello(b, 0, n, 0, &ch, &ws) < 0);
		check_invariants_ch(-1, &ch);
		assert_true(tls_parse_server_hello(b, 0, n, 0, &sh, &ws) < 0);
		check_invariants_sh(-1, &sh);
		assert_true(tls_parse_sslv2_client_hello(b, 0, n, &ch) < 0);
		check_invariants_ch(-1, &ch);
	}
	/* a ClientHello where a ServerHello is due, and the other way round */
	assert_int_equal(parse_sh(fixture("curl-ch")->b, fixture("curl-ch")->len, &sh),
			 -TLS_ERR_NOT_TLS);
	assert_int_equal(parse_ch(fixture("openssl-sh")->b, fixture("openssl-sh")->len, &ch),
			 -TLS_ERR_NOT_TLS);
}

/* ---- SNI bytes ---- */

static void set_sni(struct hx *h, const void *name, uint32_t n)
{
	int k = hx_find(h, HX_SNI_NAME, -1, 0);

	hx_splice(h, k, h->s[k].start, h->s[k].end - h->s[k].start, name, n);
}

static void test_sni_bytes(void **state)
{
	static const uint8_t odd[] = "a\x01\x1b[31m\x7f\xff\xc3\xa9\n\"\\%.exa mple";
	struct hx *h = hx_of("python-ch");
	struct res o;
	uint8_t big[300];
	size_t i;

	(void)state;
	/* stored as sent, byte for byte: escaping is the outputs' job */
	set_sni(h, odd, sizeof(odd) - 1);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.sni_len, sizeof(odd) - 1);
	assert_memory_equal(o.ch.sni, odd, sizeof(odd) - 1);
	assert_false(o.ch.flags & TLS_CHF_TRUNC_SNI);

	/* a NUL in the name is kept too */
	set_sni(h, "a\0b", 3);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.sni_len, 3);
	assert_memory_equal(o.ch.sni, "a\0b", 3);

	for (i = 0; i < sizeof(big); i++)
		big[i] = 'a' + i % 26;
	/* 255 fits; 256 and 300 are truncated, sni_len says how long they were */
	set_sni(h, big, 255);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.sni_len, 255);
	assert_false(o.ch.flags & TLS_CHF_TRUNC_SNI);
	assert_memory_equal(o.ch.sni, big, 255);
	set_sni(h, big, 256);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.sni_len, 256);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_SNI);
	set_sni(h, big, 300);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.sni_len, 300);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_SNI);
	assert_memory_equal(o.ch.sni, big, TLSMON_SNI_MAX);

	/* a server_name list with no host_name entry: present, flagged */
	h = hx_of("python-ch");
	h->b[h->s[hx_find(h, HX_SNI_NAME, -1, 0)].lpos - 1] = 1;
	assert_int_equal(parse_hx(h, &o), 0);
	assert_true(o.ch.flags & TLS_CHF_SNI);
	assert_true(o.ch.flags & TLS_CHF_SNI_NOT_HOST);
	assert_int_equal(o.ch.sni_len, 0);
}

/* ---- how many extensions ---- */

static struct hx *with_exts(const char *name, int total)
{
	struct hx *h = hx_of(name);
	uint8_t buf[4 * 300];
	int k, have = h->s[hx_find(h, HX_EXTS, -1, 0)].end, n = 0;

	for (k = 0; k < h->n; k++)
		n += h->s[k].what == HX_EXT;
	assert_true(total >= n && total - n <= 300);
	/* empty extensions of unassigned types 0x1000.. */
	for (k = 0; k < total - n; k++) {
		hx_put16(buf + 4 * k, 0x1000 + k);
		hx_put16(buf + 4 * k + 2, 0);
	}
	hx_splice(h, hx_find(h, HX_EXTS, -1, 0), have, 0, buf, 4 * (total - n));
	return h;
}

static void test_extension_count(void **state)
{
	struct hx *h;
	struct res o;
	int k;

	(void)state;
	h = with_exts("firefox-ch", TLSMON_MAX_EXTS);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_exts, TLSMON_MAX_EXTS);
	assert_false(o.ch.flags & TLS_CHF_TRUNC_EXTS);

	h = with_exts("firefox-ch", 70);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_exts, 70);	/* exact, though 64 are stored */
	assert_true(o.ch.flags & TLS_CHF_TRUNC_EXTS);
	for (k = 0; k < TLSMON_MAX_EXTS; k++) {
		int at = hx_find(h, HX_EXT, -1, k);

		assert_int_equal(o.ch.exts[k], (h->b[h->s[at].lpos - 2] << 8) | h->b[h->s[at].lpos - 1]);
	}
	/* the SNI, after all that, is still the real one */
	assert_memory_equal(o.ch.sni, "contile.services.mozilla.com", 28);

	/* the walk's own bound: 256 is the most a hello may carry */
	h = with_exts("firefox-ch", TLSP_EXT_WALK_MAX);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_exts, TLSP_EXT_WALK_MAX);
	h = with_exts("firefox-ch", TLSP_EXT_WALK_MAX + 1);
	assert_int_equal(parse_hx(h, &o), -TLS_ERR_EXTENSIONS);

	/* ServerHello: 32 stored */
	h = with_exts("openssl-sh", TLSMON_SH_MAX_EXTS + 1);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.sh.n_exts, TLSMON_SH_MAX_EXTS + 1);
	assert_true(o.sh.flags & TLS_SHF_TRUNC_EXTS);
	assert_int_equal(o.sh.key_share_group, 29);
}

/* ---- lists past their stored bounds ---- */

/* Replace the body of list span `what` (after its length field) with n u16 values. */
static void set_list16(struct hx *h, int what, int n, uint16_t first)
{
	int k = hx_find(h, what, -1, 0);
	uint8_t buf[2 * 400];
	int i;

	assert_true(k >= 0 && n <= 400);
	for (i = 0; i < n; i++)
		hx_put16(buf + 2 * i, first + i);
	hx_splice(h, k, h->s[k].start, h->s[k].end - h->s[k].start, buf, 2 * n);
}

static void test_list_bounds(void **state)
{
	struct hx *h;
	struct res o;
	uint8_t buf[400];
	int i;

	(void)state;
	h = hx_of("gnutls-ch");
	set_list16(h, HX_GROUPS, TLSMON_MAX_GROUPS + 1, 0x100);
	set_list16(h, HX_SIGALGS, TLSMON_MAX_SIGALGS + 1, 0x400);
	set_list16(h, HX_CIPHERS, TLSMON_MAX_CIPHERS + 1, 0xc000);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_groups, TLSMON_MAX_GROUPS + 1);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_GROUPS);
	assert_int_equal(o.ch.groups[TLSMON_MAX_GROUPS - 1], 0x100 + TLSMON_MAX_GROUPS - 1);
	assert_int_equal(o.ch.n_sigalgs, TLSMON_MAX_SIGALGS + 1);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_SIGALGS);
	assert_int_equal(o.ch.n_ciphers, TLSMON_MAX_CIPHERS + 1);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_CIPHERS);
	assert_int_equal(o.ch.ciphers[TLSMON_MAX_CIPHERS - 1], 0xc000 + TLSMON_MAX_CIPHERS - 1);

	/* a u8 count is the wire count capped at 255, never wrapped */
	h = hx_of("gnutls-ch");
	set_list16(h, HX_GROUPS, 300, 0x100);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_groups, 255);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_GROUPS);

	/* supported_versions: 1-byte length, at most 127 versions */
	h = hx_of("gnutls-ch");
	i = hx_find(h, HX_VERSIONS, -1, 0);
	for (int k = 0; k < TLSMON_MAX_VERSIONS + 1; k++)
		hx_put16(buf + 2 * k, 0x7f00 + k);
	hx_splice(h, i, h->s[i].start, h->s[i].end - h->s[i].start, buf,
		  2 * (TLSMON_MAX_VERSIONS + 1));
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_versions, TLSMON_MAX_VERSIONS + 1);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_VERSIONS);

	/* point formats */
	h = hx_of("openssl-ch");
	i = hx_find(h, HX_ECPF, -1, 0);
	memset(buf, 0, TLSMON_MAX_ECPF + 1);
	hx_splice(h, i, h->s[i].start, h->s[i].end - h->s[i].start, buf, TLSMON_MAX_ECPF + 1);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_ecpf, TLSMON_MAX_ECPF + 1);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_ECPF);

	/* key shares: 9 entries with 1-byte keys */
	h = hx_of("openssl-ch");
	i = hx_find(h, HX_KS_LIST, -1, 0);
	for (int k = 0; k < TLSMON_MAX_KEY_SHARES + 1; k++) {
		hx_put16(buf + 5 * k, 0x100 + k);
		hx_put16(buf + 5 * k + 2, 1);
		buf[5 * k + 4] = 0x42;
	}
	hx_splice(h, i, h->s[i].start, h->s[i].end - h->s[i].start, buf,
		  5 * (TLSMON_MAX_KEY_SHARES + 1));
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.n_key_shares, TLSMON_MAX_KEY_SHARES + 1);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_KEY_SHARES);
	assert_int_equal(o.ch.key_shares[0], 0x100);

	/* ALPN: a list longer than the 128 bytes kept */
	h = hx_of("curl-ch");
	i = hx_find(h, HX_ALPN_LIST, -1, 0);
	for (int k = 0; k < 20; k++) {
		buf[10 * k] = 9;
		memcpy(buf + 10 * k + 1, "protocol", 8);
		buf[10 * k + 9] = 'a' + k;
	}
	hx_splice(h, i, h->s[i].start, h->s[i].end - h->s[i].start, buf, 200);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.alpn_len, 200);
	assert_int_equal(o.ch.alpn_count, 20);
	assert_true(o.ch.flags & TLS_CHF_TRUNC_ALPN);
	assert_memory_equal(o.ch.alpn, buf, TLSMON_ALPN_MAX);
	assert_int_equal(o.ch.alpn0_len, 9);
	assert_int_equal(o.ch.alpn0_first, 'p');
	assert_int_equal(o.ch.alpn0_last, 'a');
}

/* ---- GREASE (RFC 8701) is kept as sent ---- */

static void prepend(struct hx *h, int what, const void *b, uint32_t n)
{
	int k = hx_find(h, what, -1, 0);

	assert_true(k >= 0);
	hx_splice(h, k, h->s[k].start, 0, b, n);
}

static void test_grease_kept(void **state)
{
	struct hx *h = hx_of("curl-ch");
	struct res o;
	int k;

	(void)state;
	prepend(h, HX_CIPHERS, "\x0a\x0a", 2);
	prepend(h, HX_GROUPS, "\x1a\x1a", 2);
	prepend(h, HX_VERSIONS, "\x2a\x2a", 2);
	prepend(h, HX_KS_LIST, "\x3a\x3a\x00\x01\x00", 5);
	prepend(h, HX_SIGALGS, "\x4a\x4a", 2);
	prepend(h, HX_ALPN_LIST, "\x02\x5a\x5a", 3);
	/* a GREASE extension first and last, as Chrome sends them */
	k = hx_find(h, HX_EXTS, -1, 0);
	hx_splice(h, k, h->s[k].start, 0, "\x6a\x6a\x00\x00", 4);
	hx_add_ext(h, 0x7a7a, "\x00", 1);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.ciphers[0], 0x0a0a);
	assert_int_equal(o.ch.groups[0], 0x1a1a);
	assert_int_equal(o.ch.versions[0], 0x2a2a);
	assert_int_equal(o.ch.key_shares[0], 0x3a3a);
	assert_int_equal(o.ch.sigalgs[0], 0x4a4a);
	assert_memory_equal(o.ch.alpn, "\x02\x5a\x5a\x02h2", 6);
	assert_int_equal(o.ch.alpn0_first, 0x5a);
	assert_int_equal(o.ch.alpn_count, 3);
	assert_int_equal(o.ch.exts[0], 0x6a6a);
	assert_int_equal(o.ch.exts[o.ch.n_exts - 1], 0x7a7a);
	assert_false(o.ch.flags & TLS_CHF_DUP_EXT);
	/* the counts include them */
	assert_int_equal(o.ch.n_ciphers, atoi(fixture("curl-ch")->n_ciphers) + 1);
	assert_int_equal(o.ch.n_groups, count_tokens(fixture("curl-ch")->groups) + 1);
	assert_int_equal(o.ch.n_exts, count_tokens(fixture("curl-ch")->exts) + 2);
	/* and a real Chrome hello keeps its own */
	parse_ch(fixture("chrome-grease-ch")->b, fixture("chrome-grease-ch")->len, &o.ch);
	assert_true(tls_is_grease(o.ch.ciphers[0]));
	assert_true(tls_is_grease(o.ch.exts[0]));
	assert_true(tls_is_grease(o.ch.versions[0]));
	assert_true(tls_is_grease(o.ch.groups[0]));
	assert_true(tls_is_grease(o.ch.key_shares[0]));
}

static void test_is_grease(void **state)
{
	unsigned v, n = 0;

	(void)state;
	for (v = 0; v < 0x10000; v++) {
		int want = (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);

		assert_int_equal(!!tls_is_grease(v), want);
		n += want;
	}
	assert_int_equal(n, 16);
	assert_true(tls_is_grease(0x0a0a));
	assert_true(tls_is_grease(0xfafa));
	assert_false(tls_is_grease(0x0a1a));
	assert_false(tls_is_grease(0x0b0b));
}

/* ---- ServerHello specifics ---- */

static void test_server_hello(void **state)
{
	struct hx *h;
	struct res o;
	int k;

	(void)state;
	/* ALPN in a ServerHello names exactly one protocol (RFC 7301 3.1) */
	h = hx_of("openssl-tls12-alpn-sh");
	k = hx_find(h, HX_ALPN_LIST, -1, 0);
	hx_splice(h, k, h->s[k].end, 0, "\x02h3", 3);
	expect_err(h, TLS_ERR_ALPN, "ServerHello with two ALPN names");
	/* supported_versions holds one version */
	h = hx_of("openssl-sh");
	k = hx_ext(h, 43, 0);
	hx_splice(h, k, h->s[k].end, 0, "\x03\x03", 2);
	expect_err(h, TLS_ERR_EXT_BODY, "ServerHello with two selected versions");
	/* session id longer than 32 */
	h = hx_of("openssl-sh");
	k = hx_find(h, HX_SID, -1, 0);
	hx_splice(h, k, h->s[k].end, 0, "\x01", 1);
	expect_err(h, TLS_ERR_SESSION_ID, "ServerHello with a 33-byte session id");
	/* HRR is known by its random, whatever the extensions */
	parse_sh(fixture("openssl-hrr-sh")->b, fixture("openssl-hrr-sh")->len, &o.sh);
	assert_true(o.sh.flags & TLS_SHF_HRR);
	assert_int_equal(o.sh.key_share_group, 24);
	assert_int_equal(tls_sh_version(&o.sh), TLS_V_TLS13);
	parse_sh(fixture("tls12-sh")->b, fixture("tls12-sh")->len, &o.sh);
	assert_int_equal(tls_sh_version(&o.sh), TLS_V_TLS12);
}

static void test_session_id(void **state)
{
	struct hx *h = hx_of("openssl-ch");
	struct res o;
	int k = hx_find(h, HX_SID, -1, 0);
	uint8_t sid[32];

	(void)state;
	memcpy(sid, h->b + h->s[k].start, 32);
	assert_int_equal(parse_hx(h, &o), 0);
	assert_int_equal(o.ch.session_id_len, 32);
	assert_memory_equal(o.ch.session_id, sid, 32);
	hx_splice(h, k, h->s[k].end, 0, "\x01", 1);
	expect_err(h, TLS_ERR_SESSION_ID, "ClientHello with a 33-byte session id");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_length_fields),
		cmocka_unit_test(test_zero_length_extensions),
		cmocka_unit_test(test_record_length),
		cmocka_unit_test(test_duplicate_extensions),
		cmocka_unit_test(test_sslv2),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_sni_bytes),
		cmocka_unit_test(test_extension_count),
		cmocka_unit_test(test_list_bounds),
		cmocka_unit_test(test_grease_kept),
		cmocka_unit_test(test_is_grease),
		cmocka_unit_test(test_server_hello),
		cmocka_unit_test(test_session_id),
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]), i;
	struct CMUnitTest *tests = calloc(N_HELLO_FIXTURES + nf, sizeof(*tests));
	char **names = calloc(N_HELLO_FIXTURES, sizeof(*names));
	int rc;

	for (i = 0; i < N_HELLO_FIXTURES; i++) {
		if (asprintf(&names[i], "tshark: %s", hello_fixtures[i].name) < 0)
			return 1;
		tests[i].name = names[i];
		tests[i].test_func = test_fixture;
		tests[i].initial_state = (void *)&hello_fixtures[i];
	}
	memcpy(tests + N_HELLO_FIXTURES, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("tls_parse", tests, N_HELLO_FIXTURES + nf, NULL, NULL);
	for (i = 0; i < N_HELLO_FIXTURES; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
