/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The system's trust anchors, as OpenSSL's default paths name them (the
 * file SSL_CERT_FILE or the built-in one, the directory SSL_CERT_DIR or the
 * built-in one, the default store URI), added to a store so that no
 * certificate is decoded before a chain asks for its issuer: the file's
 * certificates are indexed by subject hash when the store is set up, and
 * decoded and added when a lookup asks for that subject.  Decoding a whole
 * bundle of a hundred and more certificates (their public keys) is most of
 * a short --read otherwise.
 */
#ifndef TLSMON_ANCHORS_H
#define TLSMON_ANCHORS_H

#include <openssl/x509_vfy.h>

/*
 * As X509_STORE_set_default_paths(st), the file looked up by subject; a file
 * holding more than plain certificates (trusted-certificate or CRL blocks)
 * is loaded whole, as OpenSSL would.  1, or 0 when st could not take the
 * lookups (a missing file or directory is no error, as in OpenSSL).
 */
int anchors_add_defaults(X509_STORE *st);

/* Certificates of the file decoded so far, by every store set up: for tests. */
unsigned long anchors_decoded(void);

#endif
