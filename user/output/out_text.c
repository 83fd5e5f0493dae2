// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/esc.h"
#include "lib/str.h"
#include "model/diag.h"
#include "lib/tls_names.h"
#include "output/out_text.h"
#include "tls_proto.h"

struct out_text {
	FILE *f;
	int all;
	uint64_t last_records;
	uint64_t last_reason[REASON_MAX];
};

struct out_text *out_text_new(FILE *f, int all)
{
	struct out_text *o = calloc(1, sizeof(*o));

	if (o) {
		o->f = f;
		o->all = all;
	}
	return o;
}

void out_text_free(struct out_text *o)
{
	free(o);
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
	if (n < len)
		diag_explain(r, buf + n, len - n, esc_text);
}

void out_text_record(void *ctx, const struct hs_record *r)
{
	struct out_text *o = ctx;
	char line[2048];

	if (r->outcome != OUTCOME_FAILED && !o->all)
		return;
	out_text_line(r, line, sizeof(line));
	fprintf(o->f, "%s\n", line);
	fflush(o->f);
}

void out_text_summary(struct out_text *o, const struct collector_stats *st)
{
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
	o->last_records = st->records;
	fprintf(o->f, "%s\n", line);
	fflush(o->f);
}
