// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_cert: certificates seen in clear, straight to user/model/cert.c.
 *
 * What it tests: the input as a whole handshake message through
 * cert_chain_get() (the Certificate layout: every entry through OpenSSL's
 * d2i_X509, then what tlsmon keeps of each certificate and the chain's
 * verification against the system's trust anchors), twice, so the second
 * comes from the chain cache; cert_findings() at a few times and for a few
 * names (none, the leaf's own CN and first SAN, one it lacks);
 * cert_request_parse() in the TLS 1.2 and the TLS 1.0/1.1 layouts; then
 * whatever parsed through the record's JSON and text outputs.  Faster and
 * more direct than reaching the same code through fuzz_reasm.
 *
 * Invariants (abort on violation): a refused message says why; counts
 * within their bounds (chain, SANs, CA names, types) and not above what
 * was sent; every kept string NUL-terminated inside its array; findings
 * only of known kinds; a cached chain is the same chain; the JSON record is
 * one valid JSON object and the text line printable ASCII
 * (tests/lib/out_check.h).
 *
 * Expected input format: one Certificate or CertificateRequest message as
 * sent (type, 3-byte length, body), TLS 1.2 and below, up to 16384 bytes
 * (-max_len=16384).  Seeds: tests/fuzz/corpus/cert/, the messages
 * reassembly finds in corpus captures (scripts/extract-fuzz-seeds.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/cert.h"
#include "lib/log.h"
#include "tls_proto.h"
#include "../lib/out_check.h"

#define T0 1700000000ll		/* 2023-11-14 */

static struct jbuf jb;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_cert: %s: %s\n", what, why);
	abort();
}

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

static void check_info(const struct cert_info *ci)
{
	unsigned i;

	if (!TERMINATED(ci->subject_cn) || !TERMINATED(ci->subject) || !TERMINATED(ci->issuer) ||
	    !TERMINATED(ci->serial) || !TERMINATED(ci->key_type) || !TERMINATED(ci->key_group) ||
	    !TERMINATED(ci->signature))
		die("certificate", "a string runs past its array");
	if (ci->n_sans > CERT_MAX_SANS || ci->n_sans > ci->n_sans_total)
		die("certificate", "SAN count");
	for (i = 0; i < ci->n_sans; i++)
		if (!TERMINATED(ci->sans[i]))
			die("certificate", "a SAN runs past its array");
}

static void check_chain(const struct cert_chain *c)
{
	unsigned i;

	if (c->n > CERT_MAX_CHAIN || c->n > c->n_sent || c->bad > c->n_sent)
		die("chain", "counts");
	/* the leaf is the first entry, when it parsed */
	if (c->leaf && !c->n)
		die("chain", "a leaf kept without a certificate");
	if (!cert_verify_str(c->verify_error))
		die("chain", "no words for the verification result");
	for (i = 0; i < c->n; i++)
		check_info(&c->c[i]);
}

static uint32_t findings(const struct cert_chain *c, int64_t now, const char *sni)
{
	int64_t skew;
	uint32_t f = cert_findings(c, now, sni, sni ? strlen(sni) : 0, &skew);

	if (f >> CERT_F_MAX)
		die("findings", "an unknown finding");
	if (!(f & (1u << CERT_F_NOT_YET_VALID)) != !skew)
		die("findings", "skew without not-yet-valid, or the reverse");
	return f;
}

static void check_request(const struct cert_request *r)
{
	unsigned i;

	if (r->n_types > sizeof(r->types) || r->n_ca > CERT_MAX_CA_NAMES || r->n_ca > r->n_ca_total)
		die("certificate request", "counts");
	for (i = 0; i < r->n_ca; i++)
		if (!TERMINATED(r->ca[i]))
			die("certificate request", "a CA name runs past its array");
}

static void outputs(const struct cert_chain *c, const struct cert_request *cr, uint32_t f)
{
	static const struct fingerprints fp;	/* none: no ClientHello */
	static const struct server_fingerprint sfp;
	struct hs_record r;
	const char *bad;

	memset(&r, 0, sizeof(r));
	r.fp = &fp;
	r.sfp = &sfp;
	r.start_ns = T0 * 1000000000ull;
	r.family = 4;
	r.caddr[10] = r.caddr[11] = r.saddr[10] = r.saddr[11] = 0xff;
	r.cport = 40000;
	r.sport = 443;
	r.ifname = "fuzz";
	r.version = TLS_V_TLS12;
	r.kind = KIND_FULL;
	r.mutual_tls = !!cr;
	r.certs[SIDE_SERVER] = c;
	r.certs[SIDE_CLIENT] = c;
	r.cert_request = cr;
	r.cert_findings[SIDE_SERVER] = f;
	r.cert_skew_s = f & (1u << CERT_F_NOT_YET_VALID) ? 86400 : 0;
	r.outcome = OUTCOME_FAILED;
	r.reason = REASON_CLIENT_REJECTED_SERVER_CERT;
	r.ev.basis = BASIS_ALERT;
	bad = oc_json_record(&jb, &r);
	if (bad)
		die("record JSON", bad);
	bad = oc_text_record(&r);
	if (bad)
		die("record text", bad);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	if (cert_init(NULL, 16, err, sizeof(err)))
		die("cert_init", err);
	jbuf_init(&jb);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_request *cr12, *cr10;
	struct cert_chain *c, *again;
	const char *err = NULL;
	uint32_t f = 0;

	c = cert_chain_get(data, size, &err);
	if (!c && !err)
		die("cert_chain_get", "refused without saying why");
	if (c) {
		check_chain(c);
		again = cert_chain_get(data, size, &err);
		if (again != c)
			die("cert_chain_get", "the cache gave another chain");
		cert_chain_put(again);
		f = findings(c, T0, NULL);
		findings(c, 0, "a.lab.test");
		findings(c, INT64_MAX / 2, NULL);
		if (c->n) {
			findings(c, T0, c->c[0].subject_cn);
			if (c->c[0].n_sans)
				findings(c, T0, c->c[0].sans[0]);
		}
	}
	cr12 = cert_request_parse(data, size, TLS_V_TLS12, &err);
	if (cr12)
		check_request(cr12);
	else if (!err)
		die("cert_request_parse", "refused without saying why");
	cr10 = cert_request_parse(data, size, TLS_V_TLS10, &err);
	if (cr10)
		check_request(cr10);
	else if (!err)
		die("cert_request_parse", "refused without saying why");
	if (c || cr12 || cr10)
		outputs(c, cr12 ? cr12 : cr10, f);
	cert_chain_put(c);
	cert_request_put(cr12);
	cert_request_put(cr10);
	return 0;
}
