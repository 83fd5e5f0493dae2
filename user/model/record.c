// SPDX-License-Identifier: BSD-3-Clause
/* What every output reads of a record the same way: names, addresses, the SNI. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "model/record.h"
#include "lib/tls_names.h"

static const char *const outcome_names[OUTCOME_MAX] = { "established", "failed", "unknown" };

static const char *const reason_names[REASON_MAX] = {
	[REASON_NONE] = "none",
	[REASON_VERSION_MISMATCH] = "version_mismatch",
	[REASON_NO_SHARED_CIPHER] = "no_shared_cipher",
	[REASON_UNRECOGNIZED_NAME] = "unrecognized_name",
	[REASON_OTHER_ALERT] = "other_alert",
	[REASON_SERVER_REJECTED_CLIENT_CERT] = "server_rejected_client_cert",
	[REASON_CLIENT_REJECTED_SERVER_CERT] = "client_rejected_server_cert",
	[REASON_RESET_AFTER_CLIENT_HELLO] = "reset_after_client_hello",
	[REASON_CLOSED_AFTER_CLIENT_HELLO] = "closed_after_client_hello",
	[REASON_NO_SERVER_HELLO] = "no_server_hello",
	[REASON_ABORTED_DURING_HANDSHAKE] = "aborted_during_handshake",
	[REASON_NON_TLS_RESPONSE] = "non_tls_response",
	[REASON_CLIENT_HELLO_INCOMPLETE] = "client_hello_incomplete",
	[REASON_NO_SHARED_ALPN] = "no_shared_alpn",
	[REASON_QUIC_VERSION_NEGOTIATION] = "quic_version_negotiation",
	[REASON_NO_SERVER_RESPONSE] = "no_server_response",
};

static const char *const kind_names[KIND_MAX] = {
	"full", "resumed_session_id", "resumed_ticket", "resumed_psk", "unknown",
};

static const char *const basis_names[BASIS_MAX] = {
	"none", "alert", "server_profile", "client_offer", "inferred", "transport", "sibling_servers",
};

static const char *const confidence_names[CONFIDENCE_MAX] = { "", "confirmed", "likely" };

const char *outcome_name(enum outcome o)
{
	return o < OUTCOME_MAX ? outcome_names[o] : "unknown";
}

const char *reason_name(enum reason r)
{
	return r < REASON_MAX ? reason_names[r] : "unknown";
}

const char *kind_name(enum hs_kind k)
{
	return k < KIND_MAX ? kind_names[k] : "unknown";
}

const char *basis_name(enum basis b)
{
	return b < BASIS_MAX ? basis_names[b] : "none";
}

const char *confidence_name(enum confidence c)
{
	return c < CONFIDENCE_MAX ? confidence_names[c] : "";
}

const char *side_name(enum side s)
{
	return s == SIDE_CLIENT ? "client" : "server";
}

const char *reason_label(const struct hs_record *r, char *buf, size_t len)
{
	char a[32];

	if (r->reason == REASON_OTHER_ALERT && r->ev.alert) {
		snprintf(buf, len, "other_alert:%s", tls_alert_str(r->ev.alert->desc, a, sizeof(a)));
		return buf;
	}
	return reason_name(r->reason);
}

void addr_str(const unsigned char a[16], char *buf, size_t len)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	char *o = buf;
	unsigned i, v;

	if (!memcmp(a, v4mapped, 12) && len >= INET_ADDRSTRLEN) {
		/* what inet_ntop() writes, without its sprintf: every record has two */
		for (i = 0; i < 4; i++) {
			v = a[12 + i];
			if (v >= 100)
				*o++ = '0' + v / 100;
			if (v >= 10)
				*o++ = '0' + v / 10 % 10;
			*o++ = '0' + v % 10;
			*o++ = i < 3 ? '.' : 0;
		}
	} else if (!memcmp(a, v4mapped, 12))
		inet_ntop(AF_INET, a + 12, buf, len);
	else
		inet_ntop(AF_INET6, a, buf, len);
}

char *record_endpoint(const struct hs_record *r, enum side side, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(side == SIDE_SERVER ? r->saddr : r->caddr, a, sizeof(a));
	snprintf(buf, len, r->family == 6 ? "[%s]:%u" : "%s:%u", a,
		 side == SIDE_SERVER ? r->sport : r->cport);
	return buf;
}

const uint8_t *record_sni(const struct hs_record *r, size_t *len, int *cut)
{
	const struct tls_client_hello *ch = r->ch;

	*len = 0;
	*cut = 0;
	if (!ch || !(ch->flags & TLS_CHF_SNI) || (ch->flags & TLS_CHF_SNI_NOT_HOST))
		return NULL;
	*len = ch->sni_len < TLSMON_SNI_MAX ? ch->sni_len : TLSMON_SNI_MAX;
	*cut = ch->sni_len > TLSMON_SNI_MAX || (ch->flags & TLS_CHF_TRUNC_SNI);
	return ch->sni;
}
