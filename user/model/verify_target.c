// SPDX-License-Identifier: BSD-3-Clause
/*
 * What asks for a verification (verify_target_wanted), and what it aims at:
 * the server, its SNI, and the failing client's offer as the collector saw
 * it (verify_target_from).
 */
#include <stdio.h>
#include <string.h>
#include "model/verify.h"
#include "tls_proto.h"

int verify_target_wanted(const struct hs_record *r)
{
	int i;

	if (r->outcome != OUTCOME_FAILED || !r->ch || r->sh || r->verify_asked)
		return 0;
	if (r->reason != REASON_NO_SHARED_CIPHER && r->reason != REASON_VERSION_MISMATCH &&
	    r->reason != REASON_OTHER_ALERT)
		return 0;
	/* a cause the server's own history (or the alert itself) confirms needs no asking */
	if (r->reason != REASON_OTHER_ALERT && r->ev.confidence == CONFIDENCE_CONFIRMED)
		return 0;
	/* the server's own fatal alert before its ServerHello: it refused the hello */
	for (i = 0; i < r->n_alerts && i < REC_MAX_ALERTS; i++)
		if (r->alerts[i].sender == SIDE_SERVER && !r->alerts[i].after_server_hello &&
		    !r->alerts[i].encrypted && r->alerts[i].level == 2)
			return 1;
	return 0;
}

/* Whole protocol names only: a list cut by the capture loses its last, partial entry. */
static uint16_t alpn_whole(const uint8_t *a, size_t len, uint8_t *out, size_t cap)
{
	size_t p = 0;

	while (p < len && p < cap) {
		size_t n = a[p];

		if (!n || p + 1 + n > len || p + 1 + n > cap)
			break;
		memcpy(out + p, a + p, 1 + n);
		p += 1 + n;
	}
	return p;
}

int verify_target_from(const struct hs_record *r, struct verify_target *t)
{
	const struct tls_client_hello *ch = r->ch;
	struct verify_offer *o = &t->offer;
	const uint8_t *sni;
	size_t sni_len, alen;
	int i, cut;
	uint16_t v;

	memset(t, 0, sizeof(*t));
	if (!ch)
		return -1;
	t->family = r->family;
	memcpy(t->addr, r->saddr, 16);
	t->port = r->sport;
	t->record_id = r->id;
	t->reason = r->reason;
	{
		char lb[sizeof(t->reason_label)];

		/* reason_label() fills its buffer only for other_alert */
		snprintf(t->reason_label, sizeof(t->reason_label), "%s",
			 reason_label(r, lb, sizeof(lb)));
	}
	/* the same name, when it is one a host name can be: else none at all */
	sni = record_sni(r, &sni_len, &cut);
	if (sni && !cut && sni_len < sizeof(t->sni) && !memchr(sni, 0, sni_len))
		memcpy(t->sni, sni, sni_len);
	/* versions: supported_versions, else the legacy field (and every older one) */
	o->min_version = 0xffff;
	for (i = 0; i < ch->n_versions && i < TLSMON_MAX_VERSIONS; i++) {
		v = ch->versions[i];
		if (!verify_version_bit(v))
			continue;
		if (v < o->min_version)
			o->min_version = v;
		if (v > o->max_version)
			o->max_version = v;
	}
	if (!o->max_version) {
		v = ch->legacy_version;
		o->max_version = v > 0x0303 ? 0x0303 : v < 0x0301 ? 0x0301 : v;
		o->min_version = 0x0301;
	}
	for (i = 0; i < ch->n_ciphers && i < TLSMON_MAX_CIPHERS && o->n_suites < VERIFY_MAX_SUITES;
	     i++) {
		v = ch->ciphers[i];
		/* signalling values, not suites: libssl adds its own */
		if (TLS_IS_GREASE(v) || v == TLS_EMPTY_RENEGOTIATION_INFO_SCSV || v == TLS_FALLBACK_SCSV)
			continue;
		o->suites[o->n_suites++] = v;
	}
	for (i = 0; i < ch->n_groups && i < TLSMON_MAX_GROUPS && o->n_groups < VERIFY_MAX_LIST; i++)
		if (!TLS_IS_GREASE(ch->groups[i]))
			o->groups[o->n_groups++] = ch->groups[i];
	for (i = 0; i < ch->n_sigalgs && i < TLSMON_MAX_SIGALGS && o->n_sigalgs < VERIFY_MAX_LIST;
	     i++)
		if (!TLS_IS_GREASE(ch->sigalgs[i]))
			o->sigalgs[o->n_sigalgs++] = ch->sigalgs[i];
	if (ch->flags & TLS_CHF_ALPN) {
		alen = ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX;
		o->alpn_len = alpn_whole(ch->alpn, alen, o->alpn, sizeof(o->alpn));
	}
	return 0;
}
