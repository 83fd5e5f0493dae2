/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --what-if report on standard output: a table of the distinct client
 * offers and what the proposed policy would do to each, or with --json one
 * JSON object per offer.  The dashboard's what-if view shows the same rows.
 */
#ifndef TLSMON_OUT_WHATIF_H
#define TLSMON_OUT_WHATIF_H

#include <stdio.h>
#include "model/offers.h"
#include "model/whatif.h"

/*
 * Live, each report is a whole snapshot, opened by a line of its own: text
 * "what-if report N at TIME", JSON {"what_if_report":N,"time":TIME,"offers":M}.
 */
struct out_whatif_report {
	unsigned report;		/* 1, 2, ...; 0: no opening line (--read) */
	uint64_t time_ns;		/* wall clock */
};

/* 0, or -ENOMEM / -EIO (a short write).  h NULL: no opening line. */
int out_whatif_write(FILE *f, const struct whatif_policy *p, const struct offers *o, int json,
		     const struct out_whatif_report *h);
/* "10.77.2.2:443 a.lab.test by curl", ",+" where there were more: into buf. */
size_t out_whatif_where(const struct offer *of, char *buf, size_t len);

#endif
