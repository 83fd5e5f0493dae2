// SPDX-License-Identifier: BSD-3-Clause
/* Names from the IANA TLS registries (RFC 8446, RFC 8447 and successors). */
#include <stdio.h>
#include <stdlib.h>
#include "lib/tls_names.h"
#include "tls_proto.h"
#include "tls_parse.h"

struct name16 {
	uint16_t v;
	const char *name;
};

static const struct name16 ciphers[] = {
#include "lib/cipher_names.inc"
};

static const struct name16 groups[] = {
	{ 1, "sect163k1" }, { 2, "sect163r1" }, { 3, "sect163r2" }, { 4, "sect193r1" },
	{ 5, "sect193r2" }, { 6, "sect233k1" }, { 7, "sect233r1" }, { 8, "sect239k1" },
	{ 9, "sect283k1" }, { 10, "sect283r1" }, { 11, "sect409k1" }, { 12, "sect409r1" },
	{ 13, "sect571k1" }, { 14, "sect571r1" }, { 15, "secp160k1" }, { 16, "secp160r1" },
	{ 17, "secp160r2" }, { 18, "secp192k1" }, { 19, "secp192r1" }, { 20, "secp224k1" },
	{ 21, "secp224r1" }, { 22, "secp256k1" }, { 23, "secp256r1" }, { 24, "secp384r1" },
	{ 25, "secp521r1" }, { 26, "brainpoolP256r1" }, { 27, "brainpoolP384r1" },
	{ 28, "brainpoolP512r1" }, { 29, "x25519" }, { 30, "x448" },
	{ 31, "brainpoolP256r1tls13" }, { 32, "brainpoolP384r1tls13" },
	{ 33, "brainpoolP512r1tls13" }, { 34, "GC256A" }, { 35, "GC256B" }, { 36, "GC256C" },
	{ 37, "GC256D" }, { 38, "GC512A" }, { 39, "GC512B" }, { 40, "GC512C" },
	{ 41, "curveSM2" }, { 256, "ffdhe2048" }, { 257, "ffdhe3072" }, { 258, "ffdhe4096" },
	{ 259, "ffdhe6144" }, { 260, "ffdhe8192" }, { 0x0200, "MLKEM512" },
	{ 0x0201, "MLKEM768" }, { 0x0202, "MLKEM1024" }, { 0x11eb, "SecP256r1MLKEM768" },
	{ 0x11ec, "X25519MLKEM768" }, { 0x11ed, "SecP384r1MLKEM1024" },
	{ 0x6399, "X25519Kyber768Draft00" }, { 0x639a, "SecP256r1Kyber768Draft00" },
	{ 0xff01, "arbitrary_explicit_prime_curves" },
	{ 0xff02, "arbitrary_explicit_char2_curves" },
};

static const struct name16 sigalgs[] = {
	{ 0x0101, "rsa_md5" }, { 0x0201, "rsa_pkcs1_sha1" }, { 0x0202, "dsa_sha1" },
	{ 0x0203, "ecdsa_sha1" }, { 0x0301, "rsa_sha224" }, { 0x0302, "dsa_sha224" },
	{ 0x0303, "ecdsa_sha224" }, { 0x0401, "rsa_pkcs1_sha256" }, { 0x0402, "dsa_sha256" },
	{ 0x0403, "ecdsa_secp256r1_sha256" }, { 0x0420, "rsa_pkcs1_sha256_legacy" },
	{ 0x0501, "rsa_pkcs1_sha384" }, { 0x0502, "dsa_sha384" },
	{ 0x0503, "ecdsa_secp384r1_sha384" }, { 0x0520, "rsa_pkcs1_sha384_legacy" },
	{ 0x0601, "rsa_pkcs1_sha512" }, { 0x0602, "dsa_sha512" },
	{ 0x0603, "ecdsa_secp521r1_sha512" }, { 0x0620, "rsa_pkcs1_sha512_legacy" },
	{ 0x0704, "eccsi_sha256" }, { 0x0705, "iso_ibs1" }, { 0x0706, "iso_ibs2" },
	{ 0x0707, "iso_chinese_ibs" }, { 0x0708, "sm2sig_sm3" }, { 0x0709, "gostr34102012_256a" },
	{ 0x070a, "gostr34102012_256b" }, { 0x070b, "gostr34102012_256c" },
	{ 0x070c, "gostr34102012_256d" }, { 0x070d, "gostr34102012_512a" },
	{ 0x070e, "gostr34102012_512b" }, { 0x070f, "gostr34102012_512c" },
	{ 0x0804, "rsa_pss_rsae_sha256" }, { 0x0805, "rsa_pss_rsae_sha384" },
	{ 0x0806, "rsa_pss_rsae_sha512" }, { 0x0807, "ed25519" }, { 0x0808, "ed448" },
	{ 0x0809, "rsa_pss_pss_sha256" }, { 0x080a, "rsa_pss_pss_sha384" },
	{ 0x080b, "rsa_pss_pss_sha512" }, { 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" },
	{ 0x081b, "ecdsa_brainpoolP384r1tls13_sha384" },
	{ 0x081c, "ecdsa_brainpoolP512r1tls13_sha512" }, { 0x0904, "mldsa44" },
	{ 0x0905, "mldsa65" }, { 0x0906, "mldsa87" },
};

static const struct name16 exts[] = {
	{ 0, "server_name" }, { 1, "max_fragment_length" }, { 2, "client_certificate_url" },
	{ 3, "trusted_ca_keys" }, { 4, "truncated_hmac" }, { 5, "status_request" },
	{ 6, "user_mapping" }, { 7, "client_authz" }, { 8, "server_authz" }, { 9, "cert_type" },
	{ 10, "supported_groups" }, { 11, "ec_point_formats" }, { 12, "srp" },
	{ 13, "signature_algorithms" }, { 14, "use_srtp" }, { 15, "heartbeat" },
	{ 16, "application_layer_protocol_negotiation" }, { 17, "status_request_v2" },
	{ 18, "signed_certificate_timestamp" }, { 19, "client_certificate_type" },
	{ 20, "server_certificate_type" }, { 21, "padding" }, { 22, "encrypt_then_mac" },
	{ 23, "extended_master_secret" }, { 24, "token_binding" }, { 25, "cached_info" },
	{ 26, "tls_lts" }, { 27, "compress_certificate" }, { 28, "record_size_limit" },
	{ 29, "pwd_protect" }, { 30, "pwd_clear" }, { 31, "password_salt" },
	{ 32, "ticket_pinning" }, { 33, "tls_cert_with_extern_psk" },
	{ 34, "delegated_credential" }, { 35, "session_ticket" }, { 36, "TLMSP" },
	{ 37, "TLMSP_proxying" }, { 38, "TLMSP_delegate" }, { 39, "supported_ekt_ciphers" },
	{ 40, "key_share_draft" }, { 41, "pre_shared_key" }, { 42, "early_data" },
	{ 43, "supported_versions" }, { 44, "cookie" }, { 45, "psk_key_exchange_modes" },
	{ 47, "certificate_authorities" }, { 48, "oid_filters" }, { 49, "post_handshake_auth" },
	{ 50, "signature_algorithms_cert" }, { 51, "key_share" }, { 52, "transparency_info" },
	{ 53, "connection_id_deprecated" }, { 54, "connection_id" }, { 55, "external_id_hash" },
	{ 56, "external_session_id" }, { 57, "quic_transport_parameters" },
	{ 58, "ticket_request" }, { 59, "dnssec_chain" }, { 60, "sequence_number_encryption_algorithms" },
	{ 61, "rrc" }, { 13172, "next_protocol_negotiation" }, { 17513, "application_settings_old" },
	{ 17613, "application_settings" }, { 30031, "channel_id_old" }, { 30032, "channel_id" },
	{ 0xfe0d, "encrypted_client_hello" }, { 0xff01, "renegotiation_info" },
	{ 0xffce, "encrypted_server_name" },
};

static const char *const alerts[256] = {
	[0] = "close_notify", [1] = "end_of_early_data", [10] = "unexpected_message",
	[20] = "bad_record_mac", [21] = "decryption_failed", [22] = "record_overflow",
	[30] = "decompression_failure", [40] = "handshake_failure", [41] = "no_certificate",
	[42] = "bad_certificate", [43] = "unsupported_certificate", [44] = "certificate_revoked",
	[45] = "certificate_expired", [46] = "certificate_unknown", [47] = "illegal_parameter",
	[48] = "unknown_ca", [49] = "access_denied", [50] = "decode_error",
	[51] = "decrypt_error", [52] = "too_many_cids_requested", [60] = "export_restriction",
	[70] = "protocol_version", [71] = "insufficient_security", [80] = "internal_error",
	[86] = "inappropriate_fallback", [90] = "user_canceled", [100] = "no_renegotiation",
	[109] = "missing_extension", [110] = "unsupported_extension",
	[111] = "certificate_unobtainable", [112] = "unrecognized_name",
	[113] = "bad_certificate_status_response", [114] = "bad_certificate_hash_value",
	[115] = "unknown_psk_identity", [116] = "certificate_required",
	[117] = "general_error", [120] = "no_application_protocol", [121] = "ech_required",
};

static const char *const hs_types[256] = {
	[0] = "hello_request", [1] = "client_hello", [2] = "server_hello",
	[3] = "hello_verify_request", [4] = "new_session_ticket", [5] = "end_of_early_data",
	[6] = "hello_retry_request", [8] = "encrypted_extensions", [9] = "request_connection_id",
	[10] = "new_connection_id", [11] = "certificate", [12] = "server_key_exchange",
	[13] = "certificate_request", [14] = "server_hello_done", [15] = "certificate_verify",
	[16] = "client_key_exchange", [17] = "client_certificate_request", [20] = "finished",
	[21] = "certificate_url", [22] = "certificate_status", [23] = "supplemental_data",
	[24] = "key_update", [25] = "compressed_certificate", [26] = "ekt_key",
	[254] = "message_hash",
};

static const char *const errs[TLS_ERR_MAX] = {
	[TLS_OK] = "ok",
	[TLS_ERR_SHORT] = "truncated",
	[TLS_ERR_NOT_TLS] = "not_tls",
	[TLS_ERR_LENGTH] = "bad_length",
	[TLS_ERR_SESSION_ID] = "bad_session_id",
	[TLS_ERR_CIPHERS] = "bad_cipher_suites",
	[TLS_ERR_COMPRESSION] = "bad_compression_methods",
	[TLS_ERR_EXTENSIONS] = "bad_extensions",
	[TLS_ERR_SNI] = "bad_server_name",
	[TLS_ERR_ALPN] = "bad_alpn",
	[TLS_ERR_EXT_BODY] = "bad_extension_body",
	[TLS_ERR_TOO_LONG] = "too_long",
	[TLS_ERR_SSLV2] = "bad_sslv2_hello",
};

static int cmp16(const void *k, const void *e)
{
	uint16_t a = *(const uint16_t *)k, b = ((const struct name16 *)e)->v;

	return a < b ? -1 : a > b;
}

static const char *find16(const struct name16 *t, size_t n, uint16_t v)
{
	const struct name16 *e = bsearch(&v, t, n, sizeof(*t), cmp16);

	return e ? e->name : NULL;
}

#define FIND(t, v) find16(t, sizeof(t) / sizeof(t[0]), v)

const char *tls_cipher_name(uint16_t v)
{
	return FIND(ciphers, v);
}

const char *tls_group_name(uint16_t v)
{
	return FIND(groups, v);
}

const char *tls_sigalg_name(uint16_t v)
{
	return FIND(sigalgs, v);
}

const char *tls_ext_name(uint16_t v)
{
	return FIND(exts, v);
}

const char *tls_alert_name(uint8_t v)
{
	return alerts[v];
}

const char *tls_hs_type_name(uint8_t v)
{
	return hs_types[v];
}

const char *tls_err_name(int err)
{
	/* The value can come off the wire (a hostile event's error field):
	 * negate in unsigned so INT_MIN stays defined. */
	unsigned int e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	return e < TLS_ERR_MAX && errs[e] ? errs[e] : "unknown";
}

static const char *hex_or(const char *name, uint16_t v, char *buf, size_t len)
{
	if (name)
		return name;
	if (TLS_IS_GREASE(v))
		snprintf(buf, len, "GREASE_0x%04x", v);
	else
		snprintf(buf, len, "0x%04x", v);
	return buf;
}

const char *tls_cipher_str(uint16_t v, char *buf, size_t len)
{
	return hex_or(tls_cipher_name(v), v, buf, len);
}

const char *tls_group_str(uint16_t v, char *buf, size_t len)
{
	return hex_or(tls_group_name(v), v, buf, len);
}

const char *tls_sigalg_str(uint16_t v, char *buf, size_t len)
{
	return hex_or(tls_sigalg_name(v), v, buf, len);
}

const char *tls_ext_str(uint16_t v, char *buf, size_t len)
{
	return hex_or(tls_ext_name(v), v, buf, len);
}

const char *tls_alert_str(uint8_t v, char *buf, size_t len)
{
	if (alerts[v])
		return alerts[v];
	snprintf(buf, len, "alert_%u", v);
	return buf;
}

const char *tls_version_str(uint16_t v, char *buf, size_t len)
{
	switch (v) {
	case TLS_V_SSL2:
		return "SSLv2";
	case TLS_V_SSL3:
		return "SSLv3";
	case TLS_V_TLS10:
		return "TLSv1.0";
	case TLS_V_TLS11:
		return "TLSv1.1";
	case TLS_V_TLS12:
		return "TLSv1.2";
	case TLS_V_TLS13:
		return "TLSv1.3";
	case TLS_V_DTLS10:
		return "DTLSv1.0";
	case TLS_V_DTLS12:
		return "DTLSv1.2";
	case TLS_V_DTLS13:
		return "DTLSv1.3";
	case 0xfb1a:
		return "TLSv1.3-fizz";
	}
	if ((v & 0xff00) == 0x7f00)
		snprintf(buf, len, "TLSv1.3-draft%u", v & 0xff);
	else if (TLS_IS_GREASE(v))
		snprintf(buf, len, "GREASE_0x%04x", v);
	else
		snprintf(buf, len, "0x%04x", v);
	return buf;
}
