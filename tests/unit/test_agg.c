// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/agg.c and user/output/out_prom.c: series caps and folding, counters that
 * never go down, records mapped to the right labels, latency buckets, label
 * values escaped so that every byte string gets its own printable value, and
 * the textfile written atomically (or the failure counted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/agg.h"
#include "output/out_prom.h"
#include "tls_proto.h"

static struct agg_value V(const char *s)
{
	return (struct agg_value){ (const uint8_t *)s, strlen(s), 0 };
}

/* ---- series as "v1|v2|v3 count" strings, in creation order ---- */

struct dump {
	char line[600][1400];
	unsigned n, nl;
	uint64_t sum;
};

static int dump_one(void *ctx, const struct agg_series *s)
{
	struct dump *d = ctx;
	char v[PROM_VALUE_MAX];
	size_t o = 0;
	unsigned i;

	assert_true(d->n < 600);
	for (i = 0; i < d->nl; i++)
		o += snprintf(d->line[d->n] + o, sizeof(d->line[0]) - o, "%s%s", i ? "|" : "",
			      out_prom_label_value(v, sizeof(v), &s->v[i]));
	snprintf(d->line[d->n] + o, sizeof(d->line[0]) - o, " %llu",
		 (unsigned long long)s->count);
	d->sum += s->count;
	d->n++;
	return 0;
}

static void dump(const struct agg *a, enum agg_family f, struct dump *d)
{
	memset(d, 0, sizeof(*d));
	d->nl = agg_family(f)->n_labels;
	agg_foreach(a, f, dump_one, d);
}

static int has_line(const struct dump *d, const char *want)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->line[i], want))
			return 1;
	return 0;
}

static struct dump D;	/* big: not on the stack */

/* ---- caps and folding ---- */

static void test_fold_keeps_low_labels(void **state)
{
	struct agg_opts o = { 0 };
	struct agg *a;
	char name[32];
	unsigned i, own, partial;
	uint64_t other_est = 0, other_fail = 0;

	(void)state;
	o.max_series[AGG_SNI] = 16;	/* reserve 2 for partial folds, 1 for all-other */
	a = agg_new(&o);
	assert_non_null(a);
	for (i = 0; i < 100; i++) {
		struct agg_value v[3];

		snprintf(name, sizeof(name), "h%03u.example", i);
		v[0] = V(name);
		v[1] = V(i % 2 ? "failed" : "established");
		v[2] = V("tcp");
		assert_int_equal(agg_add(a, AGG_SNI, v, 1), i < 13 ? 0 : 1);
	}
	assert_int_equal(agg_max_series(a, AGG_SNI), 16);
	assert_int_equal(agg_series_count(a, AGG_SNI), 15);
	assert_int_equal(agg_folded(a, AGG_SNI), 87);
	dump(a, AGG_SNI, &D);
	assert_int_equal(D.sum, 100);
	own = partial = 0;
	for (i = 0; i < D.n; i++) {
		if (!strncmp(D.line[i], "h0", 2))
			own++;
		else if (!strncmp(D.line[i], "other|established|tcp ", 22))
			partial++, other_est = strtoull(D.line[i] + 22, NULL, 10);
		else if (!strncmp(D.line[i], "other|failed|tcp ", 17))
			partial++, other_fail = strtoull(D.line[i] + 17, NULL, 10);
	}
	assert_int_equal(own, 13);
	assert_int_equal(partial, 2);
	/* h013..h099: 43 established (even), 44 failed */
	assert_int_equal(other_est, 43);
	assert_int_equal(other_fail, 44);
	/* untouched families */
	assert_int_equal(agg_series_count(a, AGG_FAILURES), 0);
	assert_int_equal(agg_max_series(a, AGG_FAILURES), AGG_DEFAULT_MAX_SERIES);
	agg_free(a);
}

static void test_fold_everything_last(void **state)
{
	struct agg_opts o = { 0 };
	struct agg *a;
	char reason[32], sni[32];
	unsigned i;

	(void)state;
	o.max_series[AGG_FAILURES] = 8;	/* 6 own, 1 partial, 1 all-other */
	a = agg_new(&o);
	assert_non_null(a);
	for (i = 0; i < 50; i++) {
		struct agg_value v[5];

		snprintf(reason, sizeof(reason), "reason%u", i % 10);
		snprintf(sni, sizeof(sni), "s%u", i);
		v[0] = V(reason);
		v[1] = V("10.0.0.1");
		v[2] = V(sni);
		v[3] = V("likely");
		v[4] = V("quic");
		agg_add(a, AGG_FAILURES, v, 2);
	}
	assert_int_equal(agg_series_count(a, AGG_FAILURES), 8);
	assert_int_equal(agg_folded(a, AGG_FAILURES), 2 * 44);
	dump(a, AGG_FAILURES, &D);
	assert_int_equal(D.sum, 100);
	/* the one partly folded tuple that fit keeps its reason, confidence and
	 * transport; the rest lose everything */
	assert_true(has_line(&D, "reason6|other|other|likely|quic 10"));
	assert_true(has_line(&D, "other|other|other|other|other 78"));
	agg_free(a);
}

static void test_counters_never_go_down(void **state)
{
	struct agg_opts o = { 0 };
	struct agg *a;
	uint64_t before[64] = { 0 };
	char name[32];
	unsigned i, round, k;

	(void)state;
	o.max_series[AGG_CLIENTS] = 24;
	a = agg_new(&o);
	assert_non_null(a);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 40; i++) {
			struct agg_value v[3];

			/* old names keep coming back after the cap filled */
			snprintf(name, sizeof(name), "10.1.%u.%u", round, i % (5 + round));
			v[0] = V(name);
			v[1] = V("established");
			v[2] = V("tcp");
			agg_add(a, AGG_CLIENTS, v, 1);
		}
		dump(a, AGG_CLIENTS, &D);
		assert_true(D.n <= 24);
		assert_int_equal(D.sum, 40 * (round + 1));
		/* creation order is stable: series k is the same series every round */
		for (k = 0; k < D.n; k++) {
			uint64_t c = strtoull(strrchr(D.line[k], ' ') + 1, NULL, 10);

			assert_true(c >= before[k]);
			before[k] = c;
		}
	}
	agg_free(a);
}

static void test_existing_series_keep_counting_after_cap(void **state)
{
	struct agg_opts o = { 0 };
	struct agg_value v[3] = { V("first.example"), V("established"), V("tcp") };
	struct agg *a;
	char name[32];
	unsigned i;

	(void)state;
	o.max_series[AGG_SNI] = 8;
	a = agg_new(&o);
	assert_int_equal(agg_add(a, AGG_SNI, v, 1), 0);
	for (i = 0; i < 30; i++) {
		struct agg_value w[3];

		snprintf(name, sizeof(name), "n%u", i);
		w[0] = V(name);
		w[1] = V("established");
		w[2] = V("tcp");
		agg_add(a, AGG_SNI, w, 1);
	}
	assert_int_equal(agg_add(a, AGG_SNI, v, 5), 0);
	dump(a, AGG_SNI, &D);
	assert_string_equal(D.line[0], "first.example|established|tcp 6");
	agg_free(a);
}

static void test_long_values_cut_and_marked(void **state)
{
	uint8_t big[400];
	struct agg_value v[3] = { { big, sizeof(big), 0 }, V("failed"), V("tcp") };
	struct agg *a = agg_new(NULL);

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(agg_add(a, AGG_SNI, v, 1), 0);
	v[0].len = AGG_VALUE_MAX;	/* the same first 255 bytes, but whole */
	assert_int_equal(agg_add(a, AGG_SNI, v, 1), 0);
	dump(a, AGG_SNI, &D);
	assert_int_equal(D.n, 2);
	assert_int_equal(strlen(D.line[0]), AGG_VALUE_MAX + 5 + strlen("|failed|tcp 1"));
	assert_memory_equal(D.line[0] + AGG_VALUE_MAX, "\\\\...|", 6);
	assert_int_equal(strlen(D.line[1]), AGG_VALUE_MAX + strlen("|failed|tcp 1"));
	agg_free(a);
}

static void test_top(void **state)
{
	struct agg *a = agg_new(NULL);
	struct agg_series top[3];
	static const unsigned counts[] = { 3, 9, 1, 9, 7, 2 };
	char name[8];
	unsigned i;

	(void)state;
	for (i = 0; i < 6; i++) {
		struct agg_value v[3];

		snprintf(name, sizeof(name), "s%u", i);
		v[0] = V(name);
		v[1] = V("failed");
		v[2] = V("tcp");
		agg_add(a, AGG_SNI, v, counts[i]);
	}
	assert_int_equal(agg_top(a, AGG_SNI, top, 3), 3);
	assert_int_equal(top[0].count, 9);
	assert_memory_equal(top[0].v[0].p, "s1", 2);
	assert_int_equal(top[1].count, 9);
	assert_memory_equal(top[1].v[0].p, "s3", 2);
	assert_int_equal(top[2].count, 7);
	assert_memory_equal(top[2].v[0].p, "s4", 2);
	agg_free(a);
}

/* ---- records to labels ---- */

static struct tls_client_hello ch;
static struct tls_server_hello sh;
static struct fingerprints fp;
static struct server_fingerprint sfp;

static void v4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

static void mk(struct hs_record *r, const char *sni, enum outcome oc, enum reason why)
{
	memset(r, 0, sizeof(*r));
	memset(&ch, 0, sizeof(ch));
	memset(&sh, 0, sizeof(sh));
	if (sni) {
		ch.flags = TLS_CHF_SNI;
		ch.sni_len = strlen(sni);
		memcpy(ch.sni, sni, ch.sni_len);
	}
	r->ch = &ch;
	v4(r->caddr, 10, 77, 1, 2);
	v4(r->saddr, 10, 77, 3, 2);
	r->cport = 40000;
	r->sport = 443;
	fp.have_ja4 = 1;
	strcpy(fp.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	r->fp = &fp;
	r->sfp = &sfp;
	r->outcome = oc;
	r->reason = why;
	r->ev.confidence = oc == OUTCOME_FAILED ? CONFIDENCE_CONFIRMED : CONFIDENCE_NONE;
	r->ch_ns = 1000000000;
	if (oc == OUTCOME_ESTABLISHED) {
		r->sh = &sh;
		sh.cipher = 0x1301;
		r->version = 0x0304;
		r->sh_ns = r->ch_ns + 2000000;		/* 2 ms: le 0.0025 */
		r->end_ns = r->ch_ns + 10000000;	/* 10 ms exactly: le 0.01 */
	} else {
		r->end_ns = r->ch_ns + 12000000000ull;	/* 12 s: le 30 */
	}
}

static void test_record_labels(void **state)
{
	struct agg *a = agg_new(NULL);
	struct hs_record r;
	const struct agg_hist *h;

	(void)state;
	mk(&r, "a.lab.test", OUTCOME_ESTABLISHED, REASON_NONE);
	agg_record(a, &r);
	mk(&r, "b.lab.test", OUTCOME_FAILED, REASON_NO_SHARED_CIPHER);
	r.ev.confidence = CONFIDENCE_LIKELY;
	r.n_alerts = 1;
	r.alerts[0] = (struct rec_alert){ .sender = SIDE_SERVER, .level = 2, .desc = 40 };
	agg_record(a, &r);
	mk(&r, NULL, OUTCOME_FAILED, REASON_CLOSED_AFTER_CLIENT_HELLO);
	fp.have_ja4 = 0;
	agg_record(a, &r);
	assert_int_equal(agg_records(a), 3);

	dump(a, AGG_HANDSHAKES, &D);
	assert_int_equal(D.n, 2);
	assert_string_equal(D.line[0], "established|TLSv1.3|tcp 1");
	assert_string_equal(D.line[1], "failed||tcp 2");
	dump(a, AGG_FAILURES, &D);
	assert_int_equal(D.n, 2);
	assert_string_equal(D.line[0], "no_shared_cipher|10.77.3.2|b.lab.test|likely|tcp 1");
	assert_string_equal(D.line[1], "closed_after_client_hello|10.77.3.2||confirmed|tcp 1");
	dump(a, AGG_ALERTS, &D);
	assert_int_equal(D.n, 1);
	assert_string_equal(D.line[0], "server|fatal|handshake_failure|tcp 1");
	dump(a, AGG_NEGOTIATED, &D);
	assert_int_equal(D.n, 1);
	assert_string_equal(D.line[0], "TLSv1.3|TLS_AES_128_GCM_SHA256|tcp 1");
	dump(a, AGG_SERVERS, &D);
	assert_string_equal(D.line[0], "10.77.3.2|443|established|tcp 1");
	assert_string_equal(D.line[1], "10.77.3.2|443|failed|tcp 2");
	dump(a, AGG_CLIENTS, &D);
	assert_string_equal(D.line[1], "10.77.1.2|failed|tcp 2");
	dump(a, AGG_SERVER_JA4, &D);
	assert_int_equal(D.n, 3);
	assert_string_equal(D.line[1],
			    "10.77.3.2|t13d1516h2_8daaf6152771_e5627efa2ab1|failed|tcp 1");
	assert_string_equal(D.line[2], "10.77.3.2||failed|tcp 1");
	dump(a, AGG_SNI, &D);
	assert_string_equal(D.line[2], "|failed|tcp 1");

	/* Prometheus buckets are "less or equal" */
	h = agg_hist(a, AGG_H_DURATION, AGG_TCP, OUTCOME_ESTABLISHED);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->bucket[3], 1);	/* le 0.01 */
	assert_int_equal(h->sum_ns, 10000000);
	h = agg_hist(a, AGG_H_SERVER_HELLO, AGG_TCP, OUTCOME_ESTABLISHED);
	assert_int_equal(h->bucket[1], 1);	/* le 0.0025 */
	h = agg_hist(a, AGG_H_DURATION, AGG_TCP, OUTCOME_FAILED);
	assert_int_equal(h->count, 2);
	assert_int_equal(h->bucket[13], 2);	/* le 30 */
	assert_int_equal(agg_hist(a, AGG_H_SERVER_HELLO, AGG_TCP, OUTCOME_FAILED)->count, 0);
	/* nothing of it in QUIC's */
	assert_int_equal(agg_hist(a, AGG_H_DURATION, AGG_QUIC, OUTCOME_FAILED)->count, 0);
	agg_free(a);
}

/* ---- label values ---- */

/* Undo the exposition format's escapes (\\ \" \n), then the value's (\\ \xNN, \... at
 * the end).  Returns the byte count, -1 if the text is not what out_prom_label_value
 * may write. */
static int unescape(const char *file, uint8_t *out, int *trunc)
{
	char val[PROM_VALUE_MAX];
	size_t i, n = 0;
	int o = 0;

	for (i = 0; file[i]; i++) {
		if ((unsigned char)file[i] < 0x20 || (unsigned char)file[i] > 0x7e)
			return -1;
		if (file[i] == '"')
			return -1;	/* would end the value */
		if (file[i] == '\\') {
			i++;
			if (file[i] == '\\' || file[i] == '"')
				val[n++] = file[i];
			else if (file[i] == 'n')
				val[n++] = '\n';
			else
				return -1;
		} else {
			val[n++] = file[i];
		}
	}
	val[n] = 0;
	*trunc = 0;
	for (i = 0; i < n; i++) {
		unsigned x;

		if (val[i] == '\n')
			return -1;	/* values stay one line */
		if (val[i] != '\\') {
			out[o++] = val[i];
			continue;
		}
		if (val[i + 1] == '\\') {
			out[o++] = '\\';
			i++;
		} else if (val[i + 1] == 'x' && sscanf(val + i + 2, "%2x", &x) == 1 &&
			   strspn(val + i + 2, "0123456789abcdef") >= 2) {
			out[o++] = x;
			i += 3;
		} else if (!strcmp(val + i, "\\...")) {
			*trunc = 1;
			break;
		} else {
			return -1;
		}
	}
	return o;
}

static void roundtrip(const uint8_t *b, size_t n, uint8_t flags)
{
	struct agg_value v = { b, n, flags };
	char esc[PROM_VALUE_MAX];
	uint8_t back[PROM_VALUE_MAX];
	int trunc, k;

	out_prom_label_value(esc, sizeof(esc), &v);
	k = unescape(esc, back, &trunc);
	assert_int_equal(k, n);
	assert_memory_equal(back, b, n);
	assert_int_equal(trunc, !!(flags & AGG_V_TRUNC));
}

static void test_every_byte_roundtrips(void **state)
{
	uint8_t b[3];
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		b[0] = 'a', b[1] = c, b[2] = 'z';
		roundtrip(b, 3, 0);
		roundtrip(b + 1, 1, 0);
		roundtrip(b, 3, AGG_V_TRUNC);
	}
}

static void test_values_never_collide(void **state)
{
	static const char *const s[] = {
		"\xc3", "\\xc3", "\\\\xc3", "\\", "\\\\", "\"", "\\\"", "\n", "\\n", "\\x0a",
		"other", "\\x6fther", "other\\...", "", "a\"} 1\ntlsmon_fake 1", "a\",x=\"y",
		"\xff\xfe", "\xc3\xa9", "\x00", "\x7f", "# HELP",
	};
	static struct agg_value folded = { NULL, 0, AGG_V_OTHER };
	char out[40][PROM_VALUE_MAX];
	size_t n = sizeof(s) / sizeof(s[0]), i, j, k = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		/* "\x00" is one NUL byte */
		struct agg_value v = { (const uint8_t *)s[i], i == 18 ? 1 : strlen(s[i]), 0 };

		out_prom_label_value(out[k++], PROM_VALUE_MAX, &v);
		v.flags = AGG_V_TRUNC;
		out_prom_label_value(out[k++], PROM_VALUE_MAX, &v);
	}
	out_prom_label_value(out[k++], PROM_VALUE_MAX, &folded);
	assert_string_equal(out[k - 1], "other");
	for (i = 0; i < k; i++)
		for (j = i + 1; j < k; j++)
			if (!strcmp(out[i], out[j]))
				fail_msg("values %zu and %zu are both \"%s\"", i, j, out[i]);
	/* the wire's "other" is not the folded series */
	assert_string_equal(out[20], "\\\\x6fther");
}

static void test_longest_value_fits(void **state)
{
	uint8_t b[AGG_VALUE_MAX];
	struct agg_value v = { b, sizeof(b), AGG_V_TRUNC };
	char esc[PROM_VALUE_MAX];

	(void)state;
	memset(b, 0xff, sizeof(b));
	out_prom_label_value(esc, sizeof(esc), &v);
	assert_int_equal(strlen(esc), 5 * AGG_VALUE_MAX + 5);
	roundtrip(b, sizeof(b), AGG_V_TRUNC);
}

/* ---- the file ---- */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 20];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void test_write_atomic_and_failures_counted(void **state)
{
	char dir[] = "/tmp/tlsmon-test-agg-XXXXXX", sub[64], path[96];
	struct run_stats st = { .live = 1, .start_wall_ns = 1700000000123000000ull };
	struct agg *a = agg_new(NULL);
	struct out_prom *o;
	struct stat sb;
	struct dirent *de;
	DIR *d;
	char *txt;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/missing", dir);
	snprintf(path, sizeof(path), "%s/tlsmon.prom", sub);
	o = out_prom_new(sub, a);
	assert_non_null(o);
	assert_string_equal(out_prom_path(o), path);
	assert_int_equal(out_prom_write(o, &st), -ENOENT);
	assert_int_equal(out_prom_write(o, &st), -ENOENT);
	assert_int_equal(out_prom_failures(o), 2);
	assert_int_equal(mkdir(sub, 0755), 0);
	st.flows_evicted = 7;
	assert_int_equal(out_prom_write(o, &st), 0);
	assert_int_equal(stat(path, &sb), 0);
	/* node_exporter runs as another user */
	assert_int_equal(sb.st_mode & 0777, 0644);
	txt = read_all(path);
	assert_non_null(strstr(txt, "\ntlsmon_textfile_write_failures_total 2\n"));
	assert_non_null(strstr(txt, "\ntlsmon_start_time_seconds 1700000000.123\n"));
	assert_non_null(strstr(txt, "\ntlsmon_flow_evictions_total 7\n"));
	/* offline-only metrics stay out of a live file */
	assert_null(strstr(txt, "tlsmon_capture_frames_total"));
	/* a source counter that goes back is held at its highest */
	st.flows_evicted = 3;
	assert_int_equal(out_prom_write(o, &st), 0);
	txt = read_all(path);
	assert_non_null(strstr(txt, "\ntlsmon_flow_evictions_total 7\n"));
	/* nothing left behind but the file */
	d = opendir(sub);
	assert_non_null(d);
	n = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_string_equal(de->d_name, "tlsmon.prom");
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	out_prom_free(o);
	agg_free(a);
}

static void test_hostile_value_stays_in_its_label(void **state)
{
	static const char sni[] = "x\"} 1\ntlsmon_injected_total 1\n# TYPE y counter";
	struct agg *a = agg_new(NULL);
	struct out_prom *o = out_prom_new("/nonexistent", a);
	struct run_stats st = { .live = 0 };
	struct hs_record r;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;
	int found = 0;

	(void)state;
	mk(&r, sni, OUTCOME_FAILED, REASON_UNRECOGNIZED_NAME);
	agg_record(a, &r);
	f = open_memstream(&buf, &len);
	assert_int_equal(out_prom_print(o, f, &st), 0);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_false(!strncmp(line, "tlsmon_injected", 15));
		if (line[0] == '#') {
			assert_true(!strncmp(line, "# HELP tlsmon_", 14) ||
				    !strncmp(line, "# TYPE tlsmon_", 14));
			continue;
		}
		assert_true(!strncmp(line, "tlsmon_", 7));
		if (strstr(line, "unrecognized_name") && strstr(line, "failures"))
			found++, assert_string_equal(
				line, "tlsmon_handshake_failures_total{reason=\"unrecognized_name\","
				      "server=\"10.77.3.2\",sni=\"x\\\"} 1\\\\x0atlsmon_injected_total "
				      "1\\\\x0a# TYPE y counter\",confidence=\"confirmed\","
				      "transport=\"tcp\"} 1");
	}
	assert_int_equal(found, 1);
	free(buf);
	out_prom_free(o);
	agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_keeps_low_labels),
		cmocka_unit_test(test_fold_everything_last),
		cmocka_unit_test(test_counters_never_go_down),
		cmocka_unit_test(test_existing_series_keep_counting_after_cap),
		cmocka_unit_test(test_long_values_cut_and_marked),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_record_labels),
		cmocka_unit_test(test_every_byte_roundtrips),
		cmocka_unit_test(test_values_never_collide),
		cmocka_unit_test(test_longest_value_fits),
		cmocka_unit_test(test_write_atomic_and_failures_counted),
		cmocka_unit_test(test_hostile_value_stays_in_its_label),
	};

	return cmocka_run_group_tests_name("agg", tests, NULL, NULL);
}
