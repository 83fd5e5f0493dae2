/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Invariants every parse result must keep, whatever the input: shared by the
 * unit tests and the fuzz harnesses (header-only, the fuzz build links no
 * test library).  Each returns NULL, or what is wrong.
 *
 *  - on error the output is all zeros;
 *  - counts are within their bounds, and a count past the stored bound
 *    carries its truncation flag (never silent);
 *  - nothing is stored past a count: sni_len covers every stored SNI byte.
 */
#ifndef TLSMON_TEST_HELLO_CHECK_H
#define TLSMON_TEST_HELLO_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include "tlsmon.h"

static inline int hc_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Elements [from, max) of an array are zero. */
#define HC_TAIL_ZERO(arr, from, max)                                                      \
	((size_t)(from) >= (size_t)(max) ||                                               \
	 hc_zero(&(arr)[from], ((size_t)(max) - (size_t)(from)) * sizeof((arr)[0])))

#define HC_MIN(a, b) ((size_t)(a) < (size_t)(b) ? (size_t)(a) : (size_t)(b))

static inline const char *hc_client_hello(int r, const struct tls_client_hello *ch)
{
	uint32_t f = ch->flags;

	if (r > 0)
		return "positive return value";
	if (r < 0)
		return hc_zero(ch, sizeof(*ch)) ? NULL : "error left a non-zero ClientHello";
	if (ch->session_id_len > 32)
		return "session_id_len > 32";
	if (!HC_TAIL_ZERO(ch->session_id, ch->session_id_len, 32))
		return "session id bytes past session_id_len";
	if (f & TLS_CHF_SSLV2) {
		if (ch->n_ciphers > TLSMON_MAX_CIPHERS)
			return "SSLv2: n_ciphers past the stored bound";
	} else if ((ch->n_ciphers > TLSMON_MAX_CIPHERS) != !!(f & TLS_CHF_TRUNC_CIPHERS)) {
		return "n_ciphers and TRUNC_CIPHERS disagree";
	}
	if (!HC_TAIL_ZERO(ch->ciphers, ch->n_ciphers, TLSMON_MAX_CIPHERS))
		return "ciphers stored past n_ciphers";
	if ((ch->n_exts > TLSMON_MAX_EXTS) != !!(f & TLS_CHF_TRUNC_EXTS))
		return "n_exts and TRUNC_EXTS disagree";
	if (!HC_TAIL_ZERO(ch->exts, ch->n_exts, TLSMON_MAX_EXTS))
		return "extension types stored past n_exts";
	if ((ch->n_versions > TLSMON_MAX_VERSIONS) != !!(f & TLS_CHF_TRUNC_VERSIONS))
		return "n_versions and TRUNC_VERSIONS disagree";
	if (!HC_TAIL_ZERO(ch->versions, ch->n_versions, TLSMON_MAX_VERSIONS))
		return "versions stored past n_versions";
	if ((ch->n_groups > TLSMON_MAX_GROUPS) != !!(f & TLS_CHF_TRUNC_GROUPS))
		return "n_groups and TRUNC_GROUPS disagree";
	if (!HC_TAIL_ZERO(ch->groups, ch->n_groups, TLSMON_MAX_GROUPS))
		return "groups stored past n_groups";
	if ((ch->n_sigalgs > TLSMON_MAX_SIGALGS) != !!(f & TLS_CHF_TRUNC_SIGALGS))
		return "n_sigalgs and TRUNC_SIGALGS disagree";
	if (!HC_TAIL_ZERO(ch->sigalgs, ch->n_sigalgs, TLSMON_MAX_SIGALGS))
		return "sigalgs stored past n_sigalgs";
	/* TRUNC_KEY_SHARES also marks a list the walk bound left unfinished */
	if (ch->n_key_shares > TLSMON_MAX_KEY_SHARES && !(f & TLS_CHF_TRUNC_KEY_SHARES))
		return "n_key_shares past the bound without TRUNC_KEY_SHARES";
	if (!HC_TAIL_ZERO(ch->key_shares, ch->n_key_shares, TLSMON_MAX_KEY_SHARES))
		return "key shares stored past n_key_shares";
	if ((ch->n_ecpf > TLSMON_MAX_ECPF) != !!(f & TLS_CHF_TRUNC_ECPF))
		return "n_ecpf and TRUNC_ECPF disagree";
	if (!HC_TAIL_ZERO(ch->ecpf, ch->n_ecpf, TLSMON_MAX_ECPF))
		return "point formats stored past n_ecpf";
	if ((ch->sni_len > TLSMON_SNI_MAX) != !!(f & TLS_CHF_TRUNC_SNI))
		return "sni_len and TRUNC_SNI disagree";
	if (!HC_TAIL_ZERO(ch->sni, ch->sni_len, TLSMON_SNI_MAX + 1))
		return "SNI bytes stored past sni_len";
	if (ch->sni_len && (!(f & TLS_CHF_SNI) || (f & TLS_CHF_SNI_NOT_HOST)))
		return "sni_len without a host_name";
	if (ch->alpn_len > TLSMON_ALPN_MAX && !(f & TLS_CHF_TRUNC_ALPN))
		return "alpn_len past the bound without TRUNC_ALPN";
	if (!HC_TAIL_ZERO(ch->alpn, ch->alpn_len, TLSMON_ALPN_MAX))
		return "ALPN bytes stored past alpn_len";
	if (!!ch->alpn_count != !!(f & TLS_CHF_ALPN))
		return "alpn_count and the ALPN flag disagree";
	if (ch->alpn0_len > ch->alpn_len)
		return "first ALPN name longer than the list";
	if (ch->n_exts && !(f & TLS_CHF_EXTS_BLOCK))
		return "extensions without an extensions block";
	if (!(f & TLS_CHF_SSLV2) && !ch->n_compression)
		return "no compression method";
	return NULL;
}

static inline const char *hc_server_hello(int r, const struct tls_server_hello *sh)
{
	uint32_t f = sh->flags;

	if (r > 0)
		return "positive return value";
	if (r < 0)
		return hc_zero(sh, sizeof(*sh)) ? NULL : "error left a non-zero ServerHello";
	if (sh->session_id_len > 32)
		return "session_id_len > 32";
	if (!HC_TAIL_ZERO(sh->session_id, sh->session_id_len, 32))
		return "session id bytes past session_id_len";
	if ((sh->n_exts > TLSMON_SH_MAX_EXTS) != !!(f & TLS_SHF_TRUNC_EXTS))
		return "n_exts and TRUNC_EXTS disagree";
	if (!HC_TAIL_ZERO(sh->exts, sh->n_exts, TLSMON_SH_MAX_EXTS))
		return "extension types stored past n_exts";
	if ((sh->alpn_len > TLSMON_SH_ALPN_MAX) != !!(f & TLS_SHF_TRUNC_ALPN))
		return "alpn_len and TRUNC_ALPN disagree";
	if (!HC_TAIL_ZERO(sh->alpn, sh->alpn_len, TLSMON_SH_ALPN_MAX))
		return "ALPN bytes stored past alpn_len";
	if (sh->selected_version && !(f & TLS_SHF_SUPPORTED_VERSIONS))
		return "selected_version without supported_versions";
	if (sh->n_exts && !(f & TLS_SHF_EXTS_BLOCK))
		return "extensions without an extensions block";
	return NULL;
}

#endif
