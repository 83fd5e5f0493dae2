/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A handshake's detail, for the dashboard's drill-down: written as text lines
 * when its record settles (records live only during the callback) and kept
 * in the model's ring of the DASH_MAX_DETAILS latest.  The whole record, the
 * diagnosis as out_text prints it, the offer beside what the server was
 * known to accept, the certificates and the timeline of events relative to
 * the ClientHello.  Printable ASCII only; no curses here.
 */
#ifndef TLSMON_DASH_DETAIL_H
#define TLSMON_DASH_DETAIL_H

#include "ui/dash_model.h"

/* From dash_model_record(), for a failure. */
void dash_detail_add(struct dash_model *m, const struct hs_record *r);
/*
 * ... for a success: its row and detail into the ring of the DASH_MAX_OK
 * latest; past DASH_OK_PER_SEC a second (model clock t) only counted
 * (oks_skipped).  client, server, sni: as the model escaped them.
 */
void dash_detail_ok(struct dash_model *m, const struct hs_record *r, uint64_t t,
		    const char *client, const char *server, const char *sni);
/* The detail of record id, NULL when no longer kept. */
const struct dash_detail *dash_detail_find(const struct dash_model *m, uint64_t id);
/* The TCP flags as letters, "FSRPAU" order ("-" none). */
void dash_detail_flags(char *buf, size_t len, uint8_t flags);

#endif
