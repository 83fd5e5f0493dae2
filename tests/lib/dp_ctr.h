/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath's counters (TLSMON_C_*) in tables of expected values:
 * short names for designated initializers, CTR([P] = 5, [EVS] = 2), and
 * each counter's name for messages.  Only for files that hold such tables.
 */
#ifndef TLSMON_TEST_DP_CTR_H
#define TLSMON_TEST_DP_CTR_H

#include "tlsmon_counters.h"

#define CTR(...) { __VA_ARGS__ }
#define P TLSMON_C_PACKETS
#define PAY TLSMON_C_TCP_PAYLOAD
#define REC TLSMON_C_TLS_RECORDS
#define EVS TLSMON_C_EVENTS
#define FC TLSMON_C_FLOWS_CREATED
#define FD TLSMON_C_FLOWS_DELETED
#define LK TLSMON_C_FLOW_LOOKUPS
#define SA TLSMON_C_SYNACKS

extern const char *const dp_ctr_names[TLSMON_C_MAX];

#endif
