/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --what-if report on standard output: a table of the distinct client
 * offers and what the proposed policy would do to each, or with --json one
 * JSON object per offer.
 */
#ifndef TLSMON_OUT_WHATIF_H
#define TLSMON_OUT_WHATIF_H

#include <stdio.h>
#include "model/offers.h"
#include "model/whatif.h"

/* 0, or -ENOMEM / -EIO (a short write). */
int out_whatif_write(FILE *f, const struct whatif_policy *p, const struct offers *o, int json);

#endif
