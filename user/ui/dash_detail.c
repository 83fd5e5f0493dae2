// SPDX-License-Identifier: BSD-3-Clause
/* A handshake's detail as text lines, kept for the dashboard's drill-down. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ui/dash_detail.h"
#include "ui/dash_proc.h"
#include "model/diag.h"
#include "model/local_id.h"
#include "output/out_text.h"
#include "lib/esc.h"
#include "lib/tls_names.h"
#include "tls_proto.h"

struct text {
	char *s;
	size_t len, n;
};

/* One line; a line that does not fit ends the text (it stays whole lines). */
static void line(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct text *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t i, k;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	k = strlen(buf);
	if (t->n + k + 2 > t->len)
		return;
	/* our own text should be printable already: make sure */
	for (i = 0; i < k; i++)
		t->s[t->n++] = (unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f
				       ? '?' : buf[i];
	t->s[t->n++] = '\n';
	t->s[t->n] = 0;
}

static int grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

void dash_detail_flags(char *buf, size_t len, uint8_t flags)
{
	static const struct { uint8_t bit; char c; } f[] = {
		{ 0x01, 'F' }, { 0x02, 'S' }, { 0x04, 'R' }, { 0x08, 'P' }, { 0x10, 'A' }, { 0x20, 'U' },
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]) && n + 1 < len; i++)
		if (flags & f[i].bit)
			buf[n++] = f[i].c;
	if (!n && len > 1)
		buf[n++] = '-';
	if (len)
		buf[n] = 0;
}

static const char *event_name(const struct rec_tl *e, char *buf, size_t len)
{
	char a[48];

	switch (e->type) {
	case TLSMON_EV_CLIENT_HELLO:
		return "ClientHello";
	case TLSMON_EV_SERVER_HELLO:
		return "ServerHello";
	case TLSMON_EV_ALERT:
		snprintf(buf, len, "Alert %s %s%s", e->level == 2 ? "fatal" : e->level == 1 ?
			 "warning" : "level?", tls_alert_str(e->desc, a, sizeof(a)),
			 e->flags & TLSMON_SF_ENCRYPTED ? " (encrypted)" : "");
		return buf;
	case TLSMON_EV_CCS:
		return "ChangeCipherSpec";
	case TLSMON_EV_HS_MSG:
		if (e->flags & TLSMON_SF_ENCRYPTED)
			return "encrypted handshake";
		snprintf(buf, len, "%s", tls_hs_type_name(e->hs_type));
		return buf;
	case TLSMON_EV_APPDATA:
		return "ApplicationData";
	case TLSMON_EV_TCP_RST:
		return "TCP RST";
	case TLSMON_EV_TCP_FIN:
		return "TCP FIN";
	case TLSMON_EV_NON_TLS:
		return "non-TLS bytes";
	case TLSMON_EV_PARSE_ERROR:
		return "unparsable";
	case TLSMON_EV_HELLO_PART:
		return "ClientHello (part)";
	case TLSMON_EV_FLOW_END:
		return "tracking ended";
	}
	snprintf(buf, len, "event %u", e->type);
	return buf;
}

/* "+12.345 ms", from the ClientHello (or the first event without one). */
static void rel_time(char *buf, size_t len, uint64_t t, uint64_t base)
{
	double ms = t >= base ? (t - base) / 1e6 : -((base - t) / 1e6);

	snprintf(buf, len, "%+.3f ms", ms);
}

static void timeline(struct text *t, const struct hs_record *r)
{
	uint64_t base = r->ch_ns ? r->ch_ns : r->n_timeline ? r->timeline[0].ts_ns : 0;
	char when[32], fl[8], name[96], len[16];
	unsigned i;

	line(t, "Timeline (time from the ClientHello; C client, S server):");
	line(t, "  %12s %-4s %-4s %3s %5s  %s", "time", "dir", "tcp", "ttl", "len", "event");
	if (!r->n_timeline)
		line(t, "  no events kept");
	for (i = 0; i < r->n_timeline; i++) {
		const struct rec_tl *e = &r->timeline[i];

		rel_time(when, sizeof(when), e->ts_ns, base);
		dash_detail_flags(fl, sizeof(fl), e->tcp_flags);
		if (e->len)
			snprintf(len, sizeof(len), "%u", e->len);
		else
			snprintf(len, sizeof(len), "-");
		line(t, "  %12s %s %-4s %3u %5s  %s", when, e->side == SIDE_CLIENT ? "C->S" : "S->C",
		     fl, e->ttl, len, event_name(e, name, sizeof(name)));
	}
	if (r->timeline_cut)
		line(t, "  ... %u more events not kept", r->timeline_cut);
}

static void versions(struct text *t, const struct tls_client_hello *ch)
{
	char buf[256], v[24];
	size_t n = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < ch->n_versions && i < TLSMON_MAX_VERSIONS; i++)
		if (!grease(ch->versions[i]) && n < sizeof(buf))
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "",
				      tls_version_str(ch->versions[i], v, sizeof(v)));
	if (!n)
		snprintf(buf, sizeof(buf), "%s (legacy_version)",
			 tls_version_str(ch->legacy_version, v, sizeof(v)));
	line(t, "Offered versions: %s", buf);
}

static int in_profile(const struct hs_record *r, uint16_t cipher)
{
	unsigned i;

	for (i = 0; i < r->ev.n_profile_ciphers && i < REC_MAX_PROFILE; i++)
		if (r->ev.profile_ciphers[i] == cipher)
			return 1;
	return 0;
}

/* The suites offered, each against the server's learned profile when known. */
static void offer(struct text *t, const struct hs_record *r)
{
	const struct tls_client_hello *ch = r->ch;
	int prof = r->ev.profile_successes && r->ev.n_profile_ciphers;
	char name[64], g[48];
	unsigned i, n = ch->n_ciphers < TLSMON_MAX_CIPHERS ? ch->n_ciphers : TLSMON_MAX_CIPHERS;
	size_t k = 0;

	versions(t, ch);
	line(t, "Offered cipher suites (%u)%s:", ch->n_ciphers,
	     prof ? "; * the server accepted it before" : "");
	for (i = 0; i < n; i++) {
		if (grease(ch->ciphers[i]))
			continue;
		line(t, "  %c 0x%04x %s", prof && in_profile(r, ch->ciphers[i]) ? '*' : ' ',
		     ch->ciphers[i], tls_cipher_str(ch->ciphers[i], name, sizeof(name)));
	}
	name[0] = 0;
	for (i = 0; i < ch->n_groups && i < TLSMON_MAX_GROUPS; i++)
		if (!grease(ch->groups[i]) && k < sizeof(name))
			k += snprintf(name + k, sizeof(name) - k, "%s%s", k ? "," : "",
				      tls_group_str(ch->groups[i], g, sizeof(g)));
	line(t, "Offered groups: %s", k ? name : "-");
}

/* What this server accepted before, beside the offer: what overlaps, what not. */
static void profile(struct text *t, const struct hs_record *r)
{
	const struct evidence *ev = &r->ev;
	char v1[24], v2[24], name[64];
	unsigned i, j, both = 0;

	if (!ev->profile_successes) {
		line(t, "Server profile: none learned before this handshake");
		return;
	}
	line(t, "Server profile: %u handshakes accepted, versions %s .. %s",
	     ev->profile_successes, tls_version_str(ev->profile_min_version, v1, sizeof(v1)),
	     tls_version_str(ev->profile_max_version, v2, sizeof(v2)));
	for (i = 0; i < ev->n_profile_ciphers && i < REC_MAX_PROFILE; i++) {
		int offered = 0;

		for (j = 0; r->ch && j < r->ch->n_ciphers && j < TLSMON_MAX_CIPHERS; j++)
			offered |= r->ch->ciphers[j] == ev->profile_ciphers[i];
		both += offered;
		line(t, "  %s 0x%04x %s", offered ? "both       " : "server only",
		     ev->profile_ciphers[i], tls_cipher_str(ev->profile_ciphers[i], name, sizeof(name)));
	}
	if (ev->n_profile_ciphers)
		line(t, "  overlap: %u of the server's %u suites", both, ev->n_profile_ciphers);
	if (ev->client_max_version)
		line(t, "  client's highest version: %s",
		     tls_version_str(ev->client_max_version, v1, sizeof(v1)));
}

static void certs(struct text *t, const struct hs_record *r)
{
	char find[160];
	size_t k;
	int s, f;
	unsigned i;

	for (s = SIDE_SERVER; s >= SIDE_CLIENT; s--) {
		const struct cert_chain *c = r->certs[s];

		if (!c)
			continue;
		k = 0;
		find[0] = 0;
		for (f = 0; f < CERT_F_MAX; f++)
			if (r->cert_findings[s] & (1u << f) && k < sizeof(find))
				k += snprintf(find + k, sizeof(find) - k, "%s%s", k ? "," : "",
					      cert_finding_name(f));
		line(t, "Certificates (%s, %u sent): findings %s", side_name(s), c->n_sent,
		     k ? find : "none");
		for (i = 0; i < c->n && i < CERT_MAX_CHAIN; i++) {
			char cn[4 * 64 + 1], is[4 * 64 + 1];

			esc_term(cn, sizeof(cn), c->c[i].subject_cn, strnlen(c->c[i].subject_cn, 64));
			esc_term(is, sizeof(is), c->c[i].issuer, strnlen(c->c[i].issuer, 64));
			line(t, "  %u: CN=%s  issuer %s  %s %u", i, cn, is, c->c[i].key_type,
			     c->c[i].key_bits);
		}
	}
	if (!r->certs[SIDE_SERVER] && !r->certs[SIDE_CLIENT])
		line(t, "Certificates: none seen in clear");
}

static void record_head(struct text *t, const struct hs_record *r)
{
	char buf[2048], a[64], b[64], v[24];
	const uint8_t *sni;
	size_t n;
	int cut;

	/* the line --text prints: time, reason, ends, SNI, version, JA4, why */
	out_text_line(r, buf, sizeof(buf));
	line(t, "%s", buf);
	line(t, "%s", "");
	line(t, "Client %s  ->  server %s  (%s)", record_endpoint(r, SIDE_CLIENT, a, sizeof(a)),
	     record_endpoint(r, SIDE_SERVER, b, sizeof(b)), r->ifname ? r->ifname : "-");
	sni = record_sni(r, &n, &cut);
	if (sni)
		esc_term(buf, sizeof(buf), sni, n);
	line(t, "SNI %s%s", sni ? buf : "-", cut ? "..." : "");
	if (r->local) {
		char who[256];

		local_id_process(r->local, who, sizeof(who));
		esc_term(buf, sizeof(buf), who, strlen(who));
		line(t, "Local process: %s (%s end) pid %u", buf, side_name(r->local->side),
		     r->local->pid);
	}
	line(t, "Kind %s  version %s  cipher %s  group %s", kind_name(r->kind),
	     r->sh ? tls_version_str(r->version, v, sizeof(v)) : "-",
	     r->sh ? tls_cipher_str(r->sh->cipher, a, sizeof(a)) : "-",
	     r->sh && r->sh->key_share_group ? tls_group_str(r->sh->key_share_group, b, sizeof(b))
					     : "-");
	line(t, "JA4 %s  JA3 %s  JA3S %s", r->fp->have_ja4 ? r->fp->ja4 : "-",
	     r->fp->have_ja3 ? r->fp->ja3 : "-", r->sh ? r->sfp->ja3s : "-");
}

static void diagnosis(struct text *t, const struct hs_record *r)
{
	char why[1024], lbl[64];
	const char *w = why;

	diag_explain(r, why, sizeof(why), esc_term);
	while (*w == ' ' || *w == ':')
		w++;
	line(t, "Diagnosis: %s  confidence %s  basis %s", reason_label(r, lbl, sizeof(lbl)),
	     confidence_name(r->ev.confidence), basis_name(r->ev.basis));
	line(t, "Evidence: %s", *w ? w : "-");
	line(t, "History %s", r->history[0] ? r->history : "-");
}

/* The whole record as text into d; a success has no diagnosis to show. */
static void render(struct dash_detail *d, const struct hs_record *r)
{
	struct text t = { d->text, sizeof(d->text), 0 };

	d->id = r->id;
	d->text[0] = 0;
	record_head(&t, r);
	line(&t, "%s", "");
	if (r->outcome == OUTCOME_FAILED) {
		diagnosis(&t, r);
		line(&t, "%s", "");
	}
	if (r->ch)
		offer(&t, r);
	profile(&t, r);
	line(&t, "%s", "");
	certs(&t, r);
	line(&t, "%s", "");
	timeline(&t, r);
}

void dash_detail_add(struct dash_model *m, const struct hs_record *r)
{
	struct dash_detail *d = &m->details[m->details_head];

	m->details_head = (m->details_head + 1) % DASH_MAX_DETAILS;
	render(d, r);
}

void dash_detail_ok(struct dash_model *m, const struct hs_record *r, uint64_t t,
		    const char *client, const char *server, const char *sni)
{
	struct dash_ok *k = &m->oks[m->oks_head];
	struct dash_failure *f = &k->f;
	uint64_t sec = t / 1000000000ull;

	m->oks_total++;
	if (sec != m->oks_sec) {
		m->oks_sec = sec;
		m->oks_in_sec = 0;
	}
	/* writing it out costs: a busy host keeps a sample, counted */
	if (m->oks_in_sec++ >= DASH_OK_PER_SEC) {
		m->oks_skipped++;
		return;
	}
	m->oks_head = (m->oks_head + 1) % DASH_MAX_OK;
	memset(f, 0, sizeof(*f));
	f->id = r->id;
	f->ts_ns = r->start_ns ? r->start_ns : t;
	f->reason = REASON_NONE;
	snprintf(f->label, sizeof(f->label), "established");
	snprintf(f->client, sizeof(f->client), "%s", client);
	snprintf(f->server, sizeof(f->server), "%s", server);
	snprintf(f->sni, sizeof(f->sni), "%s", sni);
	/* our own text (hex and digits), escaped all the same */
	if (r->fp->have_ja4)
		esc_term(f->ja4, sizeof(f->ja4), r->fp->ja4, strlen(r->fp->ja4));
	if (r->sh) {
		char v[24];

		snprintf(f->version, sizeof(f->version), "%s", tls_version_str(r->version, v, sizeof(v)));
	}
	dash_proc_failure(f, r);
	render(&k->d, r);
}

const struct dash_detail *dash_detail_find(const struct dash_model *m, uint64_t id)
{
	unsigned i;

	for (i = 0; id && i < DASH_MAX_DETAILS; i++)
		if (m->details[i].id == id)
			return &m->details[i];
	for (i = 0; id && i < DASH_MAX_OK; i++)
		if (m->oks[i].d.id == id)
			return &m->oks[i].d;
	return NULL;
}
