// SPDX-License-Identifier: BSD-3-Clause
#include "dp_ctr.h"

const char *const dp_ctr_names[TLSMON_C_MAX] = {
	[TLSMON_C_PACKETS] = "packets", [TLSMON_C_TCP_PAYLOAD] = "tcp_payload",
	[TLSMON_C_TLS_RECORDS] = "tls_records", [TLSMON_C_EVENTS] = "events",
	[TLSMON_C_RB_FAIL] = "rb_fail", [TLSMON_C_PARSE_ERRORS] = "parse_errors",
	[TLSMON_C_FLOWS_CREATED] = "flows_created", [TLSMON_C_FLOWS_DELETED] = "flows_deleted",
	[TLSMON_C_FLOW_CREATE_FAIL] = "flow_create_fail", [TLSMON_C_FRAGMENTS] = "fragments",
	[TLSMON_C_MALFORMED] = "malformed", [TLSMON_C_FLOW_LOOKUPS] = "flow_lookups",
	[TLSMON_C_HINT_STALE] = "hint_stale", [TLSMON_C_BLOB_BYTES] = "blob_bytes",
	[TLSMON_C_BLOB_BUDGET] = "blob_budget", [TLSMON_C_RECORD_LIMIT] = "record_limit",
	[TLSMON_C_OUT_OF_ORDER] = "out_of_order", [TLSMON_C_SYNACKS] = "synacks",
	[TLSMON_C_PORT_FILTERED] = "port_filtered", [TLSMON_C_CLIENT_HELLOS] = "client_hellos",
	[TLSMON_C_CH_LOST] = "client_hellos_lost", [TLSMON_C_RESYNC] = "resync",
	[TLSMON_C_HOLE_FILLED] = "hole_filled",
	[TLSMON_C_QUIC_SHIPPED] = "quic_shipped", [TLSMON_C_QUIC_CAPPED] = "quic_capped",
	[TLSMON_C_QUIC_EVICTED] = "quic_evicted", [TLSMON_C_QUIC_TRUNC] = "quic_truncated",
};
