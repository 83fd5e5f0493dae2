/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client and server fingerprints: JA4 (FoxIO's BSD-licensed specification,
 * technical_details/JA4.md), JA3 and JA3S.  Not JA4S or the other JA4+
 * methods: their licence forbids commercial use.  Hashes from libcrypto.
 */
#ifndef TLSMON_FINGERPRINT_H
#define TLSMON_FINGERPRINT_H

#include <stddef.h>
#include "tlsmon.h"

#define JA4_LEN 36		/* t13d1516h2_8daaf6152771_e5627efa2ab1 */
#define FP_RAW_MAX 2048		/* raw strings; longer lists are cut, with "..." */

struct fingerprints {
	int have_ja4;		/* 0 for SSLv2 hellos and truncated lists */
	char ja4[JA4_LEN + 1];
	char ja4_r[FP_RAW_MAX];
	int have_ja3;
	char ja3[33];		/* MD5, hex */
	char ja3_str[FP_RAW_MAX];
	const char *why_not;	/* when a fingerprint is missing */
};

struct server_fingerprint {
	char ja3s[33];
	char ja3s_str[512];
};

/* The JA4 version code ("13", "12", ..., "00") of a hello. */
const char *fingerprint_ja4_version(const struct tls_client_hello *ch);
void fingerprint_client(const struct tls_client_hello *ch, struct fingerprints *fp);
/* The same over QUIC: JA4 starts with 'q' (JA4.md "QUIC"), JA3 is unchanged. */
void fingerprint_client_quic(const struct tls_client_hello *ch, struct fingerprints *fp);
/*
 * Client fingerprints are kept by offer, JA3S digests by their string
 * (tables per thread, bounded): what the calling thread's tables did so
 * far, and the tables freed.
 */
struct fingerprint_cache_stats {
	unsigned long long hits, misses, replaced;	/* client */
	unsigned long long server_hits, server_misses;	/* JA3S digests */
};
const struct fingerprint_cache_stats *fingerprint_cache_stats(void);
/* This thread's caches and digest contexts freed (a thread that made fingerprints, before it ends). */
void fingerprint_cache_free(void);
void fingerprint_server(const struct tls_server_hello *sh, struct server_fingerprint *fp);

#endif
