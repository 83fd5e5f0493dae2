// SPDX-License-Identifier: BSD-3-Clause
/*
 * The QUIC decoder (user/pipe/quic.h) against FoxIO's JA4 reference and
 * Suricata: every QUIC connection of the corpus captures below is read from
 * its UDP datagrams (header protection removed, Initials decrypted, CRYPTO
 * reassembled across packets), its ClientHello parsed by the shared parser
 * and fingerprinted.  The client JA4 (q...) and SNI must equal the
 * `ja4: q...` and `tls_server_name` of the capture's *.rust.snap, connection
 * by connection (addresses and ports), and no connection may be found that
 * the reference does not list or missed that it lists.  Suricata's
 * ja4-tls-quic test.yaml gives `quic.ja4` and its count.  The reference's
 * q13... server fingerprints (JA4S) are not ours and are ignored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "corpus.h"
#include "model/fingerprint.h"
#include "pipe/quic.h"
#include "source/pcap_src.h"
#include "tls_parse.h"
#include "udp.h"

#define MAX_FLOWS 256

struct flow {
	int family;
	uint8_t c[16], s[16];
	uint16_t cp, sp;
	struct quic_conn *q;
	int have_ch;
	char ja4[JA4_LEN + 1];
	char sni[TLSMON_SNI_MAX + 1];
	char caddr[INET6_ADDRSTRLEN], saddr[INET6_ADDRSTRLEN];
	int matched;
};

struct scan {
	struct flow f[MAX_FLOWS];
	size_t n;
	struct quic_stats st;
	uint64_t not_read;	/* datagrams that looked like QUIC and were not */
};

static struct flow *find(struct scan *s, const struct udp *u, int *dir)
{
	size_t alen = u->family == 4 ? 4 : 16, i;
	struct flow *f;

	for (i = 0; i < s->n; i++) {
		f = &s->f[i];
		if (f->family != u->family)
			continue;
		if (!memcmp(f->c, u->src, alen) && !memcmp(f->s, u->dst, alen) && f->cp == u->sp &&
		    f->sp == u->dp) {
			*dir = 0;
			return f;
		}
		if (!memcmp(f->s, u->src, alen) && !memcmp(f->c, u->dst, alen) && f->sp == u->sp &&
		    f->cp == u->dp) {
			*dir = 1;
			return f;
		}
	}
	if (s->n == MAX_FLOWS)
		return NULL;
	/* the first long header of a pair of ports is the client's */
	f = &s->f[s->n++];
	f->family = u->family;
	memcpy(f->c, u->src, alen);
	memcpy(f->s, u->dst, alen);
	f->cp = u->sp;
	f->sp = u->dp;
	inet_ntop(u->family == 4 ? AF_INET : AF_INET6, f->c, f->caddr, sizeof(f->caddr));
	inet_ntop(u->family == 4 ? AF_INET : AF_INET6, f->s, f->saddr, sizeof(f->saddr));
	f->q = calloc(1, sizeof(*f->q));
	*dir = 0;
	return f;
}

static void client_hello(struct flow *f)
{
	struct tls_client_hello ch;
	struct fingerprints fp;
	struct tlsp_ws ws;
	size_t m = quic_crypto_msg(&f->q->cs[0]);

	if (f->have_ch || !m)
		return;
	f->have_ch = 1;
	if (tls_parse_client_hello(f->q->cs[0].buf, 0, m, 0, &ch, &ws)) {
		strcpy(f->ja4, "parse-error");
		return;
	}
	fingerprint_client_quic(&ch, &fp);
	snprintf(f->ja4, sizeof(f->ja4), "%s", fp.have_ja4 ? fp.ja4 : "none");
	memcpy(f->sni, ch.sni, ch.sni_len < TLSMON_SNI_MAX ? ch.sni_len : TLSMON_SNI_MAX);
}

static int frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		 uint32_t wire_len)
{
	static uint8_t dg[65536];
	struct scan *s = ctx;
	struct flow *f;
	struct udp u;
	int dir;

	(void)no;
	(void)ts;
	(void)wire_len;
	if (udp_of(eth, len, &u) || !quic_is_long(u.p, u.n))
		return 0;
	f = find(s, &u, &dir);
	assert_non_null(f);
	assert_non_null(f->q);
	memcpy(dg, u.p, u.n);
	if (quic_conn_datagram(f->q, dir, dg, u.n, &s->st) < 0)
		s->not_read++;
	if (!dir)
		client_hello(f);
	return 0;
}

static void scan(const char *rel, struct scan *s)
{
	char err[256];
	struct pcap_src *ps;

	memset(s, 0, sizeof(*s));
	ps = pcap_src_open(corpus_path(rel), err, sizeof(err));
	if (!ps) {
		print_error("%s: %s\n", rel, err);
		fail();
	}
	assert_int_equal(pcap_src_run(ps, frame, s, err, sizeof(err)), 0);
	pcap_src_close(ps);
}

static void scan_free(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->f[i].q)
			quic_conn_fini(s->f[i].q);
		free(s->f[i].q);
	}
}

struct expect {
	char src[64], dst[64], sni[256], ja4[64], transport[8];
	unsigned sp, dp;
};

/* One block of the snapshot ("- stream:" ... ) checked against what we found. */
static int check_block(struct scan *s, const struct expect *e, const char *rel)
{
	size_t i;

	if (strcmp(e->transport, "udp") || e->ja4[0] != 'q')
		return 0;
	for (i = 0; i < s->n; i++) {
		struct flow *f = &s->f[i];

		if (strcmp(f->caddr, e->src) || strcmp(f->saddr, e->dst) || f->cp != e->sp ||
		    f->sp != e->dp)
			continue;
		f->matched = 1;
		if (strcmp(f->ja4, e->ja4) || strcmp(f->sni, e->sni)) {
			print_error("%s %s:%u: ja4 %s sni %s, reference %s %s\n", rel, e->src, e->sp,
				    f->ja4, f->sni, e->ja4, e->sni);
			return -1;
		}
		return 1;
	}
	print_error("%s %s:%u -> %s:%u (%s): not found\n", rel, e->src, e->sp, e->dst, e->dp,
		    e->ja4);
	return -1;
}

static void check_snap(const char *rel)
{
	static struct scan s;
	char path[512], line[512], snap[600];
	struct expect e;
	int bad = 0, n = 0, r, in = 0;
	size_t i;
	FILE *fp;

	scan(rel, &s);
	snprintf(snap, sizeof(snap), "%s.rust.snap", rel);
	snprintf(path, sizeof(path), "%s", corpus_path(snap));
	fp = fopen(path, "r");
	assert_non_null(fp);
	memset(&e, 0, sizeof(e));
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, "- stream:", 9)) {
			if (in && (r = check_block(&s, &e, rel)) != 0)
				r < 0 ? bad++ : n++;
			memset(&e, 0, sizeof(e));
			in = 1;
		}
		sscanf(line, "  transport: %7s", e.transport);
		sscanf(line, "  src: %63s", e.src);
		sscanf(line, "  dst: %63s", e.dst);
		sscanf(line, "  src_port: %u", &e.sp);
		sscanf(line, "  dst_port: %u", &e.dp);
		sscanf(line, "  tls_server_name: %255s", e.sni);
		sscanf(line, "  ja4: %63s", e.ja4);
	}
	if (in && (r = check_block(&s, &e, rel)) != 0)
		r < 0 ? bad++ : n++;
	fclose(fp);
	/* nothing found that the reference does not list */
	for (i = 0; i < s.n; i++) {
		if (s.f[i].have_ch && !s.f[i].matched) {
			print_error("%s %s:%u -> %s:%u: %s not in the reference\n", rel,
				    s.f[i].caddr, s.f[i].cp, s.f[i].saddr, s.f[i].sp, s.f[i].ja4);
			bad++;
		}
	}
	printf("%s: %d QUIC connections as the reference says; %llu Initials opened, "
	       "%llu undecryptable, %llu unknown version, %llu capped\n", rel, n,
	       (unsigned long long)s.st.initial, (unsigned long long)s.st.undecryptable,
	       (unsigned long long)s.st.unknown_version, (unsigned long long)s.st.crypto_capped);
	scan_free(&s);
	assert_int_equal(bad, 0);
	assert_true(n > 0);
}

static void test_foxio(void **state)
{
	static const char *caps[] = {
		"ja4/quic/quic-tls-handshake.pcapng",
		"ja4/quic/quic-with-several-tls-frames.pcapng",
		"ja4/tls-handshake.pcapng",
		"ja4/tls-sni.pcapng",
		"ja4/tls3.pcapng",
		"ja4/chrome-cloudflare-quic-with-secrets.pcapng",
		"ja4/ssh2.pcapng",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		check_snap(caps[i]);
}

static void test_suricata(void **state)
{
	static struct scan s;
	char line[512], ja4[64];
	int count = -1, checked = 0, got;
	size_t i;
	FILE *fp;

	(void)state;
	scan("suricata/ja4-tls-quic/input.pcap", &s);
	fp = fopen(corpus_path("suricata/ja4-tls-quic/test.yaml"), "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		sscanf(line, " count: %d", &count);
		if (sscanf(line, " quic.ja4: %63s", ja4) != 1)
			continue;
		for (i = 0, got = 0; i < s.n; i++)
			got += s.f[i].have_ch && !strcmp(s.f[i].ja4, ja4);
		if (got != count)
			print_error("quic.ja4 %s: %d connections, test.yaml says %d\n", ja4, got,
				    count);
		assert_int_equal(got, count);
		checked++;
	}
	fclose(fp);
	for (i = 0, got = 0; i < s.n; i++)
		got += s.f[i].have_ch;
	/* every QUIC connection there is one test.yaml counts */
	assert_int_equal(got, 1);
	assert_int_equal(checked, 1);
	scan_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foxio),
		cmocka_unit_test(test_suricata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
