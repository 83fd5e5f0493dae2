/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnosis: a settled connection's outcome and, for a failure, its one
 * reason with the evidence behind it; and that evidence in words.
 */
#ifndef TLSMON_DIAG_H
#define TLSMON_DIAG_H

#include <stddef.h>
#include "lib/esc.h"
#include "model/conn.h"
#include "model/profiles.h"

/*
 * Fill c->rec's outcome, reason and evidence from what the connection
 * showed.  timed_out: the handshake timeout passed; waited: seconds since
 * the hello.  profiles: what servers accepted before (this server's
 * history, its siblings), or NULL: nothing known.  Every failure gets a
 * confidence next to its basis (the rules are at the top of diag.c).
 */
void diag_settle(struct conn *c, struct profiles *profiles, int timed_out, double waited);
/*
 * --verify: what the server answered when asked from here (rec.verified)
 * confirms or names the cause of a refused hello.  diag_settle() applies it;
 * a record that waited for its own verification gets it again here.
 */
void diag_verified(struct conn *c);
/*
 * Why a failed record failed, in words: " (server sent fatal
 * handshake_failure): in 12 successful handshakes ..." ("" for the others).
 * Wire bytes in it (what a non-TLS server answered) go through esc.
 */
void diag_explain(const struct hs_record *r, char *buf, size_t len, esc_fn esc);

#endif
