/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS record and handshake parser, one header per part:
 *   tls_record.h        byte readers, record and handshake headers, conventions
 *   tls_ext.h           the extension walk both hellos share
 *   tls_client_hello.h  ClientHello (and SSL 2.0-compatible CLIENT-HELLO)
 *   tls_server_hello.h  ServerHello and HelloRetryRequest
 * Pure C, run by the collector on the bytes the datapath ships (user/pipe)
 * and by reassembly; the BPF programs only frame records (tls_record.h).
 */
#ifndef TLSMON_TLS_PARSE_H
#define TLSMON_TLS_PARSE_H

#include "tls_record.h"
#include "tls_ext.h"
#include "tls_client_hello.h"
#include "tls_server_hello.h"

#endif /* TLSMON_TLS_PARSE_H */
