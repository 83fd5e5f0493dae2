// SPDX-License-Identifier: BSD-3-Clause
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/esc.h"
#include "output/ev_json.h"
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

static size_t cat(char *buf, size_t len, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t cat(char *buf, size_t len, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (n >= len)
		return n;
	va_start(ap, fmt);
	k = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return k < 0 ? n : n + k;
}

static size_t endpoint(char *buf, size_t len, size_t n, const uint8_t a[16], uint16_t port,
		       int v6)
{
	char s[INET6_ADDRSTRLEN];

	addr_str(a, s, sizeof(s));
	return cat(buf, len, n, v6 ? "[%s]:%u" : "%s:%u", s, port);
}

/* Why, in words, from the evidence. */
static size_t explain(const struct hs_record *r, char *buf, size_t len, size_t n)
{
	const struct evidence *ev = &r->ev;
	char x[40], y[40];
	unsigned i;

	if (ev->alert && !ev->alert->encrypted)
		n = cat(buf, len, n, " (%s sent %s %s)", ev->alert->sender ? "server" : "client",
			ev->alert->level == TLS_ALERT_LEVEL_FATAL ? "fatal" : "warning",
			tls_alert_str(ev->alert->desc, x, sizeof(x)));
	switch (r->reason) {
	case REASON_VERSION_MISMATCH:
	case REASON_NO_SHARED_CIPHER:
		if (ev->basis == BASIS_SERVER_PROFILE) {
			n = cat(buf, len, n, ": in %u successful handshakes this server accepted",
				ev->profile_successes);
			for (i = 0; i < ev->n_profile_ciphers; i++)
				n = cat(buf, len, n, "%s %s", i ? "," : "",
					tls_cipher_str(ev->profile_ciphers[i], x, sizeof(x)));
			n = cat(buf, len, n, " at %s..%s; the client offers up to %s and %s of those",
				tls_version_str(ev->profile_min_version, x, sizeof(x)),
				tls_version_str(ev->profile_max_version, y, sizeof(y)),
				tls_version_str(ev->client_max_version, x, sizeof(x)),
				r->reason == REASON_NO_SHARED_CIPHER ? "none" : "some");
		} else if (ev->basis == BASIS_CLIENT_OFFER && r->ch) {
			n = cat(buf, len, n, ": the client offers up to %s with %u suite(s)",
				tls_version_str(ev->client_max_version, x, sizeof(x)), r->ch->n_ciphers);
		}
		break;
	case REASON_RESET_AFTER_CLIENT_HELLO:
		n = cat(buf, len, n, ": reset with TTL %u", r->rst.ttl);
		if (ev->baseline_known)
			n = cat(buf, len, n, " where the SYN-ACK had %u", ev->baseline_ttl);
		if (ev->suspected_middlebox)
			n = cat(buf, len, n, ", suspected middlebox");
		break;
	case REASON_CLOSED_AFTER_CLIENT_HELLO:
		n = cat(buf, len, n, ": the server closed%s",
			ev->client_sent_no_sni ? ", and the client sent no SNI" : "");
		break;
	case REASON_CLIENT_REJECTED_SERVER_CERT:
	case REASON_SERVER_REJECTED_CLIENT_CERT: {
		/* the refused side's certificate: what is wrong with it, when seen */
		uint32_t f = r->cert_findings[r->reason == REASON_CLIENT_REJECTED_SERVER_CERT
						      ? SIDE_SERVER : SIDE_CLIENT];
		unsigned i, k = 0;

		if (ev->basis == BASIS_INFERRED)
			n = cat(buf, len, n, " (inferred from a %u-byte encrypted record)",
				ev->inferred_record_len);
		for (i = 0; i < CERT_F_MAX; i++)
			if (f & (1u << i))
				n = cat(buf, len, n, "%s%s", k++ ? ", " : ": ", cert_finding_name(i));
		break;
	}
	case REASON_NON_TLS_RESPONSE:
		esc_term(x, sizeof(x), ev->first_bytes, ev->n_first_bytes > 24 ? 24 : ev->n_first_bytes);
		n = cat(buf, len, n, ": the server answered \"%s\"", x);
		break;
	case REASON_NO_SERVER_HELLO:
		n = cat(buf, len, n, ": no answer in %.1f s", ev->waited_s);
		break;
	default:
		break;
	}
	return n;
}

void out_text_why(const struct hs_record *r, char *buf, size_t len)
{
	if (len)
		buf[0] = 0;
	if (r->outcome == OUTCOME_FAILED)
		explain(r, buf, len, 0);
}

void out_text_line(const struct hs_record *r, char *buf, size_t len)
{
	char t[32], sni[4 * TLSMON_SNI_MAX + 1], x[64];
	time_t s = r->start_ns / 1000000000ull;
	struct tm tm;
	size_t n = 0;

	gmtime_r(&s, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = cat(buf, len, n, "%s %s", t, r->outcome == OUTCOME_FAILED ? "FAIL" : r->outcome ==
		OUTCOME_ESTABLISHED ? "ok" : "unknown");
	if (r->outcome == OUTCOME_FAILED)
		n = cat(buf, len, n, " %s", reason_label(r, x, sizeof(x)));
	n = cat(buf, len, n, " ");
	n = endpoint(buf, len, n, r->caddr, r->cport, r->family == 6);
	n = cat(buf, len, n, " -> ");
	n = endpoint(buf, len, n, r->saddr, r->sport, r->family == 6);
	if (r->ch && (r->ch->flags & TLS_CHF_SNI) && !(r->ch->flags & TLS_CHF_SNI_NOT_HOST))
		n = cat(buf, len, n, " sni=%s", esc_term(sni, sizeof(sni), r->ch->sni,
							  r->ch->sni_len < TLSMON_SNI_MAX ? r->ch->sni_len : TLSMON_SNI_MAX));
	else if (r->ch)
		n = cat(buf, len, n, " sni=-");
	if (r->sh)
		n = cat(buf, len, n, " %s %s", tls_version_str(r->version, t, sizeof(t)),
			tls_cipher_str(r->sh->cipher, x, sizeof(x)));
	if (r->fp->have_ja4)
		n = cat(buf, len, n, " ja4=%s", r->fp->ja4);
	if (r->outcome == OUTCOME_FAILED)
		explain(r, buf, len, n);
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

	n = cat(line, sizeof(line), n, "summary: %llu handshakes (%llu established, %llu failed, "
		"%llu unknown), %u open",
		(unsigned long long)(st->records - o->last_records),
		(unsigned long long)st->by_outcome[OUTCOME_ESTABLISHED],
		(unsigned long long)st->by_outcome[OUTCOME_FAILED],
		(unsigned long long)st->by_outcome[OUTCOME_UNKNOWN], st->open);
	for (i = 1; i < REASON_MAX; i++) {
		if (st->by_reason[i] == o->last_reason[i])
			continue;
		n = cat(line, sizeof(line), n, "%s %s %llu", first ? ";" : ",", reason_name(i),
			(unsigned long long)(st->by_reason[i] - o->last_reason[i]));
		first = 0;
		o->last_reason[i] = st->by_reason[i];
	}
	if (st->evicted)
		n = cat(line, sizeof(line), n, "; %llu connections dropped at the cap",
			(unsigned long long)st->evicted);
	o->last_records = st->records;
	fprintf(o->f, "%s\n", line);
	fflush(o->f);
}
