/* SPDX-License-Identifier: BSD-3-Clause */
/* Queries on the dashboard's model: filtered, sorted lists for the panels. */
#ifndef TLSMON_DASH_QUERY_H
#define TLSMON_DASH_QUERY_H

#include "ui/dash_model.h"

/* The reason with most failures, as a label ("" when none failed). */
const char *dash_query_main_reason(const struct dash_count *c);
/* Failed / (total - unknown), 0 .. 1; -1 when nothing settled. */
double dash_query_ratio(const struct dash_count *c);
/* The SNI of a server to show: most failures, then most handshakes. */
const struct dash_sni *dash_query_server_sni(const struct dash_server *s);

/* Indices of the entries that match filter (NULL or "": all), sorted; returns
 * how many.  idx must hold DASH_MAX_SERVERS / DASH_MAX_CLIENTS. */
unsigned dash_query_servers(const struct dash_model *m, enum dash_sort s, const char *filter,
			    uint32_t *idx);
unsigned dash_query_clients(const struct dash_model *m, enum dash_sort s, const char *filter,
			    uint32_t *idx);
/* Local programs matching filter (name, latest process, reason, server). */
unsigned dash_query_procs(const struct dash_model *m, enum dash_sort s, const char *filter,
			  uint32_t *idx);
/* Recent failures matching filter, newest first (oldest first if oldest);
 * out must hold DASH_MAX_RECENT pointers. */
unsigned dash_query_failures(const struct dash_model *m, int oldest, const char *filter,
			     const struct dash_failure **out);
/* Certificates matching filter (server, SNI, CN or finding), soonest to
 * expire first; idx holds DASH_MAX_CERTS. */
unsigned dash_query_certs(const struct dash_model *m, const char *filter, uint32_t *idx);
/* The findings as "cert_expired,weak_key" ("" when none). */
void dash_query_findings_text(char *buf, size_t len, uint32_t findings);

/* Versions or ciphers by handshakes, most first; idx holds DASH_MAX_CIPHERS. */
unsigned dash_query_nego(const struct dash_model *m, int ciphers, uint32_t *idx);

/* Where an item is now in a view's list (enum dash_view_id; key: a server's
 * address, a fingerprint, a process; id: a failure's), -1 if not there. */
int dash_query_find(const struct dash_model *m, int view, enum dash_sort s, int oldest,
		    const char *filter, const char *key, uint64_t id);

int dash_query_match_server(const struct dash_server *s, const char *filter);
int dash_query_match_client(const struct dash_client *c, const char *filter);
int dash_query_match_proc(const struct dash_proc *p, const char *filter);
int dash_query_match_failure(const struct dash_failure *f, const char *filter);
const char *dash_query_sort_name(enum dash_sort s);

#endif
