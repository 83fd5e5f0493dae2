/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of TLS registry values.  An unknown value is never guessed: the
 * functions taking a buffer print it as hex, the others return NULL.
 */
#ifndef TLSMON_TLS_NAMES_H
#define TLSMON_TLS_NAMES_H

#include <stddef.h>
#include <stdint.h>

const char *tls_cipher_name(uint16_t v);
const char *tls_group_name(uint16_t v);
const char *tls_sigalg_name(uint16_t v);
const char *tls_ext_name(uint16_t v);
const char *tls_alert_name(uint8_t v);
const char *tls_hs_type_name(uint8_t v);
const char *tls_err_name(int err);	/* enum tls_err, sign ignored */

/* Name or "0x%04x" into buf; returns buf or the static name. */
const char *tls_cipher_str(uint16_t v, char *buf, size_t len);
const char *tls_group_str(uint16_t v, char *buf, size_t len);
const char *tls_sigalg_str(uint16_t v, char *buf, size_t len);
const char *tls_ext_str(uint16_t v, char *buf, size_t len);
const char *tls_alert_str(uint8_t v, char *buf, size_t len);
/* "TLSv1.2", "SSLv3", "TLSv1.3-draft23", "GREASE", or "0x%04x". */
const char *tls_version_str(uint16_t v, char *buf, size_t len);

#endif
