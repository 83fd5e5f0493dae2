// SPDX-License-Identifier: BSD-3-Clause
/*
 * Records against Zeek: for every capture with an ssl.log baseline in the
 * corpus, each connection Zeek logged must come out of tlsmon (offline, the
 * same pipeline as live) with the same version, cipher, server_name,
 * established flag and last cleartext alert.  Where tlsmon disagrees on
 * purpose, the case is named below with the reason.
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
#include "corpus.h"
#include "model/record.h"
#include "lib/tls_names.h"
#include "replay.h"
#include "tls_proto.h"
#include "tsv.h"

static const char *zeek_version(uint16_t v, char *buf, size_t len)
{
	switch (v) {
	case 0:
		return "-";
	case TLS_V_SSL2:
		return "SSLv2";
	case TLS_V_SSL3:
		return "SSLv3";
	case TLS_V_TLS10:
		return "TLSv10";
	case TLS_V_TLS11:
		return "TLSv11";
	case TLS_V_TLS12:
		return "TLSv12";
	case TLS_V_TLS13:
		return "TLSv13";
	}
	if ((v & 0xff00) == 0x7f00)
		snprintf(buf, len, "TLSv13-draft%u", v & 0xff);
	else
		snprintf(buf, len, "unknown-%u", v);
	return buf;
}

/* Zeek prints bytes outside printable ASCII as \xNN. */
static void zeek_str(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf[o++] = p[i];
		else
			o += snprintf(buf + o, len - o, "\\x%02x", p[i]);
	}
	buf[o] = 0;
}

struct known {
	const char *capture;	/* suffix of the log's path */
	const char *field;
	const char *tlsmon;	/* what tlsmon must report */
	const char *why;
};

static const struct known known[] = {
	{ "zeek/extra/globus-url-copy.pcap.ssl.log", "record", "none",
	  "GridFTP's control channel carries its TLS base64-encoded inside FTP ADAT commands "
	  "(RFC 2228 3.1): no TLS record is on the wire for a record-level monitor to see" },
	{ 0 },
};

static const struct known *find_known(const char *log, const char *field)
{
	size_t i, n;

	for (i = 0; known[i].capture; i++) {
		n = strlen(known[i].capture);
		if (!strcmp(known[i].field, field) && strlen(log) >= n &&
		    !strcmp(log + strlen(log) - n, known[i].capture))
			return &known[i];
	}
	return NULL;
}

struct ctx {
	const char *log;
	size_t checked, failed, known;
	char msg[8192];
};

static void cmp(struct ctx *c, const char *conn, const char *field, const char *want,
		const char *got)
{
	const struct known *k;

	if (!want || !strcmp(want, got))
		return;
	k = find_known(c->log, field);
	if (k && !strcmp(k->tlsmon, got)) {
		c->known++;
		printf("# %s %s %s: zeek '%s', tlsmon '%s': %s\n", c->log, conn, field, want, got,
		       k->why);
		return;
	}
	c->failed++;
	bufcat(c->msg, sizeof(c->msg), "  %s %s: zeek '%s', tlsmon '%s'\n", conn, field, want, got);
}

static void test_log(void **state)
{
	const char *log = *state;
	char capture[4096], err[512], conn[160], got[1024], buf[64];
	struct ctx c = { .log = log };
	struct replay rp;
	struct tsv *t;
	size_t row, i;
	int co_h, co_p, cr_h, cr_p, cv, cc, cs, ce, ca;
	uint8_t *used;

	/* the capture is the log's name up to its ".pcap" (a few logs add a suffix) */
	snprintf(capture, sizeof(capture), "%s", log);
	if (strstr(capture, ".pcap.gz"))
		strstr(capture, ".pcap.gz")[8] = 0;
	else if (strstr(capture, ".pcap"))
		strstr(capture, ".pcap")[5] = 0;
	t = tsv_load(log);
	assert_non_null(t);
	if (replay_capture(capture, 10, &rp, err, sizeof(err)))
		fail_msg("%s", err);
	used = calloc(rp.n + 1, 1);
	co_h = tsv_col(t, "id.orig_h", NULL);
	co_p = tsv_col(t, "id.orig_p", NULL);
	cr_h = tsv_col(t, "id.resp_h", NULL);
	cr_p = tsv_col(t, "id.resp_p", NULL);
	cv = tsv_col(t, "version", NULL);
	cc = tsv_col(t, "cipher", NULL);
	cs = tsv_col(t, "server_name", NULL);
	ce = tsv_col(t, "established", NULL);
	ca = tsv_col(t, "last_alert", NULL);
	for (row = 0; row < t->nrows; row++) {
		const char *oh = tsv_get(t, row, co_h), *rh = tsv_get(t, row, cr_h);
		unsigned op = atoi(tsv_get(t, row, co_p)), rpt = atoi(tsv_get(t, row, cr_p));
		struct replay_rec *x = NULL;
		struct hs_record *r;
		int k;

		/* the n-th record of this connection for its n-th row; a column the
		 * baseline left out matches anything */
		for (i = 0; i < rp.n; i++) {
			char ca[64], sa[64];
			struct hs_record *q = &rp.v[i].r;

			if (used[i])
				continue;
			addr_str(q->caddr, ca, sizeof(ca));
			addr_str(q->saddr, sa, sizeof(sa));
			if ((co_h < 0 || !strcmp(ca, oh)) && (co_p < 0 || q->cport == op) &&
			    (cr_h < 0 || !strcmp(sa, rh)) && (cr_p < 0 || q->sport == rpt)) {
				x = &rp.v[i];
				used[i] = 1;
				break;
			}
		}
		snprintf(conn, sizeof(conn), "%s:%u->%s:%u", oh, op, rh, rpt);
		c.checked++;
		if (!x) {
			cmp(&c, conn, "record", "one", "none");
			continue;
		}
		r = &x->r;
		cmp(&c, conn, "version", cv >= 0 ? tsv_get(t, row, cv) : NULL,
		    zeek_version(r->version, buf, sizeof(buf)));
		cmp(&c, conn, "cipher", cc >= 0 ? tsv_get(t, row, cc) : NULL,
		    r->sh ? tls_cipher_str(r->sh->cipher, buf, sizeof(buf)) : "-");
		if (r->ch && (r->ch->flags & TLS_CHF_SNI) && !(r->ch->flags & TLS_CHF_SNI_NOT_HOST))
			zeek_str(r->ch->sni, r->ch->sni_len < 255 ? r->ch->sni_len : 255, got, sizeof(got));
		else
			strcpy(got, "-");
		cmp(&c, conn, "server_name", cs >= 0 ? tsv_get(t, row, cs) : NULL, got);
		cmp(&c, conn, "established", ce >= 0 ? tsv_get(t, row, ce) : NULL,
		    r->outcome == OUTCOME_ESTABLISHED ? "T" : "F");
		strcpy(got, "-");
		for (k = r->n_alerts - 1; k >= 0; k--)
			if (!r->alerts[k].encrypted) {
				snprintf(got, sizeof(got), "%s",
					 tls_alert_str(r->alerts[k].desc, buf, sizeof(buf)));
				break;
			}
		cmp(&c, conn, "last_alert", ca >= 0 ? tsv_get(t, row, ca) : NULL, got);
	}
	printf("# %s: %zu connections checked, %zu known differences\n", log, c.checked, c.known);
	free(used);
	replay_free(&rp);
	tsv_free(t);
	if (c.failed) {
		print_error("%s: %zu mismatches\n%s", log, c.failed, c.msg);
		fail();
	}
}

static int is_log(const char *p)
{
	const char *sfx = ".ssl.log";
	size_t n = strlen(p), k = strlen(sfx);

	return n > k && !strcmp(p + n - k, sfx);
}

int main(void)
{
	char path[4096], cmd[4200], line[4096];
	struct CMUnitTest *tests = calloc(256, sizeof(*tests));
	char *logs[256];
	size_t n = 0;
	FILE *f;
	int rc;

	snprintf(cmd, sizeof(cmd), "find '%s/zeek' -name '*.ssl.log' | sort", corpus_dir());
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f) && n < 256) {
		line[strcspn(line, "\n")] = 0;
		if (!is_log(line))
			continue;
		snprintf(path, sizeof(path), "%s", line);
		logs[n] = strdup(path);
		tests[n].name = logs[n] + strlen(corpus_dir()) + 1;
		tests[n].test_func = test_log;
		tests[n].initial_state = logs[n];
		n++;
	}
	if (f)
		pclose(f);
	if (!n) {
		fprintf(stderr, "no Zeek baselines under %s/zeek\n", corpus_dir());
		return 1;
	}
	rc = _cmocka_run_group_tests("zeek_oracle", tests, n, NULL, NULL);
	while (n)
		free(logs[--n]);
	free(tests);
	return rc;
}
