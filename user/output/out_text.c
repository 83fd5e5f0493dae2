// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/esc.h"
#include "lib/linefile.h"
#include "lib/str.h"
#include "model/diag.h"
#include "lib/tls_names.h"
#include "output/out_text.h"
#include "output/out_verify.h"
#include "tls_proto.h"

struct out_text {
	struct linefile *lf;
	int all;
	uint64_t last_records;
	uint64_t last_reason[REASON_MAX];
};

struct out_text *out_text_new(int fd, int all)
{
	struct out_text *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->lf = linefile_fd(fd, "standard output");
	if (!o->lf) {
		free(o);
		return NULL;
	}
	o->all = all;
	return o;
}

void out_text_free(struct out_text *o)
{
	if (!o)
		return;
	linefile_close(o->lf);
	free(o);
}

const struct linefile_stats *out_text_stats(const struct out_text *o)
{
	return linefile_stats(o->lf);
}

/* buf holds a line of up to len - 2 bytes: end it and write it whole */
static void put_line(struct out_text *o, char *buf, size_t len, size_t n)
{
	if (n > len - 2)
		n = len - 2;
	buf[n++] = '\n';
	linefile_write(o->lf, buf, n);
}

void out_text_line(const struct hs_record *r, char *buf, size_t len)
{
	char t[32], sni[4 * TLSMON_SNI_MAX + 1], x[64], ep[INET6_ADDRSTRLEN + 8];
	const uint8_t *name;
	size_t name_len;
	int cut;
	time_t s = r->start_ns / 1000000000ull;
	struct tm tm;
	size_t n = 0;

	gmtime_r(&s, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = str_catf(buf, len, n, "%s %s", t, r->outcome == OUTCOME_FAILED ? "FAIL" : r->outcome ==
		OUTCOME_ESTABLISHED ? "ok" : "unknown");
	if (r->outcome == OUTCOME_FAILED)
		n = str_catf(buf, len, n, " %s", reason_label(r, x, sizeof(x)));
	n = str_catf(buf, len, n, " ");
	n = str_catf(buf, len, n, "%s", record_endpoint(r, SIDE_CLIENT, ep, sizeof(ep)));
	n = str_catf(buf, len, n, " -> ");
	n = str_catf(buf, len, n, "%s", record_endpoint(r, SIDE_SERVER, ep, sizeof(ep)));
	name = record_sni(r, &name_len, &cut);
	/* "-" is no SNI: a name that is "-" reads \x2d */
	if (name && name_len == 1 && name[0] == '-')
		n = str_catf(buf, len, n, " sni=\\x2d");
	else if (name)
		n = str_catf(buf, len, n, " sni=%s", esc_text(sni, sizeof(sni), name, name_len));
	else if (r->ch)
		n = str_catf(buf, len, n, " sni=-");
	if (r->sh)
		n = str_catf(buf, len, n, " %s %s", tls_version_str(r->version, t, sizeof(t)),
			tls_cipher_str(r->sh->cipher, x, sizeof(x)));
	if (r->fp->have_ja4)
		n = str_catf(buf, len, n, " ja4=%s", r->fp->ja4);
	if (r->outcome == OUTCOME_FAILED)
		n = str_catf(buf, len, n, " confidence=%s", confidence_name(r->ev.confidence));
	if (n < len)
		diag_explain(r, buf + n, len - n, esc_text);
}

void out_text_record(void *ctx, const struct hs_record *r)
{
	struct out_text *o = ctx;
	char line[2048];

	if (r->outcome != OUTCOME_FAILED && !o->all)
		return;
	/* room kept for the newline */
	out_text_line(r, line, sizeof(line) - 1);
	put_line(o, line, sizeof(line), strlen(line));
}

void out_text_verified(struct out_text *o, const struct verify_result *res)
{
	char line[2048];

	out_verify_text(res, line, sizeof(line) - 1);
	put_line(o, line, sizeof(line), strlen(line));
}

void out_text_summary(struct out_text *o, const struct run_stats *rs)
{
	const struct collector_stats *st = &rs->col;
	char line[1024];
	size_t n = 0;
	int i, first = 1;

	n = str_catf(line, sizeof(line), n, "summary: %llu handshakes (%llu established, %llu failed, "
		"%llu unknown), %u open",
		(unsigned long long)(st->records - o->last_records),
		(unsigned long long)st->by_outcome[OUTCOME_ESTABLISHED],
		(unsigned long long)st->by_outcome[OUTCOME_FAILED],
		(unsigned long long)st->by_outcome[OUTCOME_UNKNOWN], st->open);
	for (i = 1; i < REASON_MAX; i++) {
		if (st->by_reason[i] == o->last_reason[i])
			continue;
		n = str_catf(line, sizeof(line), n, "%s %s %llu", first ? ";" : ",", reason_name(i),
			(unsigned long long)(st->by_reason[i] - o->last_reason[i]));
		first = 0;
		o->last_reason[i] = st->by_reason[i];
	}
	if (st->evicted)
		n = str_catf(line, sizeof(line), n, "; %llu connections dropped at the cap",
			(unsigned long long)st->evicted);
	if (rs->log_write_failures)
		n = str_catf(line, sizeof(line), n, "; %llu records not written to the --log file",
			(unsigned long long)rs->log_write_failures);
	if (rs->text_write_failures)
		n = str_catf(line, sizeof(line), n, "; %llu lines not written here",
			(unsigned long long)rs->text_write_failures);
	o->last_records = st->records;
	put_line(o, line, sizeof(line), n);
}
