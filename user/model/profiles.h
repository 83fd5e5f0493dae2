/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What each server has negotiated with clients that succeeded: the evidence
 * that tells a cipher mismatch from a version mismatch when the server's
 * alert (handshake_failure) does not say which.  And, for a server with no
 * such history yet (tlsmon just started), its siblings: the other servers
 * that accepted the same client fingerprint (JA4), or served the same SNI.
 * Bounded, least recent out.
 */
#ifndef TLSMON_PROFILES_H
#define TLSMON_PROFILES_H

#include <stdint.h>
#include "model/record.h"

struct profile {
	uint32_t successes;
	uint8_t n_ciphers;		/* distinct suites chosen, up to REC_MAX_PROFILE */
	uint8_t pad;
	uint16_t ciphers[REC_MAX_PROFILE];
	uint16_t min_version, max_version;
};

/* Servers remembered per JA4 and per SNI: a round robin's backends, a few more. */
#define PROFILES_MAX_SIBLINGS 4

struct profiles;

struct profiles *profiles_new(uint32_t max_servers);
void profiles_free(struct profiles *p);
/* Learn from an established handshake. */
void profiles_learn(struct profiles *p, const struct hs_record *r);
/* The profile of r's server, or NULL if it never succeeded. */
const struct profile *profiles_get(struct profiles *p, const struct hs_record *r);
/*
 * Another server than r's that accepted r's client fingerprint (one serving
 * r's SNI first), else one that served r's SNI to another client.  Returns 1
 * and fills out, or 0 when none is known.
 */
int profiles_sibling(struct profiles *p, const struct hs_record *r, struct rec_sibling *out);
uint32_t profiles_count(const struct profiles *p);

#endif
