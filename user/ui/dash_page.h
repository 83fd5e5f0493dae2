/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dashboard's drill-down pages, as text lines from the model: a failure
 * (its kept detail, dash_detail.h), a server (what it accepted, its recent
 * failures by reason and by client fingerprint, the servers sharing its
 * SNI), a client fingerprint (the clients and servers behind it) and a local
 * process (its handshakes and recent failures).  No curses here: the view
 * draws the lines, the tests read them.
 */
#ifndef TLSMON_DASH_PAGE_H
#define TLSMON_DASH_PAGE_H

#include <stddef.h>
#include "ui/dash_model.h"

enum dash_open {
	DASH_OPEN_NONE,
	DASH_OPEN_FAILURE,		/* id: the record's */
	DASH_OPEN_SERVER,		/* key: its address */
	DASH_OPEN_CLIENT,		/* key: the fingerprint */
	DASH_OPEN_PROC,			/* key: the process name */
	DASH_OPEN_MAX
};

#define DASH_PAGE_TEXT (32 * 1024)

/* The page into buf, lines ended by '\n'; returns its length. */
size_t dash_page(const struct dash_model *m, enum dash_open kind, const char *key, uint64_t id,
		 char *buf, size_t len);
/* From dash_model_record(): what a server accepts, from its successes. */
void dash_page_learn(struct dash_server *s, const struct hs_record *r);

#endif
