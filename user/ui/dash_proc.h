/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dashboard model's programs of this host: a record with a local
 * identity (model/local_id.h) counted by local_id_process()'s name, in a
 * table of DASH_MAX_PROCS whose least failing, least recent entry folds into
 * procs_other past the cap; a record without one only counted (no_proc).
 * Names and details are stored escaped (esc_term()), like every wire string.
 */
#ifndef TLSMON_DASH_PROC_H
#define TLSMON_DASH_PROC_H

#include "ui/dash_model.h"

/* From dash_model_record(): label is the reason's, server the record's endpoint. */
void dash_proc_record(struct dash_model *m, const struct hs_record *r, const char *label,
		      const char *server, uint64_t t);
/* A failure's process and who it was ("" without a local identity). */
void dash_proc_failure(struct dash_failure *f, const struct hs_record *r);

#endif
