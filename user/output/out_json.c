// SPDX-License-Identifier: BSD-3-Clause
/* Records as JSON lines, Zeek ssl.log-like names; every wire byte escaped. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "output/jbuf.h"
#include "output/names_memo.h"
#include "lib/linefile.h"
#include "lib/str.h"
#include "lib/tls_names.h"
#include "model/local_id.h"
#include "output/out_json.h"
#include "output/out_verify.h"
#include "pipe/quic_track.h"
#include "tls_proto.h"

static void ts_iso(struct jbuf *b, const char *key, uint64_t ns)
{
	/* the second's text, kept: records come many to a second */
	static __thread struct {
		time_t s;
		size_t len;
		char buf[64];
	} last = { .s = -1 };
	time_t s = ns / 1000000000ull;
	uint32_t us = ns % 1000000000ull / 1000;
	struct tm tm;
	char out[96];
	size_t n;
	int i;

	if (s != last.s || !last.len) {
		gmtime_r(&s, &tm);
		last.len = strftime(last.buf, sizeof(last.buf), "%Y-%m-%dT%H:%M:%S", &tm);
		last.s = s;
	}
	/* "%s.%06uZ", quoted */
	n = 0;
	out[n++] = '"';
	memcpy(out + n, last.buf, last.len);
	n += last.len;
	out[n++] = '.';
	for (i = 5; i >= 0; i--, us /= 10)
		out[n + i] = '0' + us % 10;
	n += 6;
	out[n++] = 'Z';
	out[n++] = '"';
	jbuf_key(b, key);
	jbuf_raw(b, out, n);
}

static void names16(struct jbuf *b, const char *key, const __u16 *v, unsigned n, unsigned max,
		    const char *(*name)(uint16_t, char *, size_t), int skip_grease)
{
	jbuf_key(b, key);
	names_memo_array(b, v, n, max, name, skip_grease);
}

static const char *ver_str(uint16_t v, char *buf, size_t len)
{
	return tls_version_str(v, buf, len);
}

void out_json_alpn_list(struct jbuf *b, const char *key, const struct tls_client_hello *ch)
{
	size_t len = ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX, p = 0, k, n = 0;
	struct jbuf_bytes v[TLSMON_ALPN_MAX];

	while (p < len) {
		k = ch->alpn[p++];
		v[n++] = (struct jbuf_bytes){ ch->alpn + p, k < len - p ? k : len - p };
		p += k;
	}
	jbuf_strv(b, key, v, n);
}

void out_json_alert(struct jbuf *b, const char *key, const struct rec_alert *a)
{
	char buf[32];

	jbuf_key(b, key);
	jbuf_obj_open(b);
	jbuf_str(b, "sender", side_name(a->sender));
	jbuf_bool(b, "encrypted", a->encrypted);
	if (!a->encrypted) {
		jbuf_str(b, "level", a->level == TLS_ALERT_LEVEL_FATAL ? "fatal"
				   : a->level == TLS_ALERT_LEVEL_WARNING ? "warning" : "unknown");
		jbuf_str(b, "description", tls_alert_str(a->desc, buf, sizeof(buf)));
	} else {
		jbuf_u64(b, "record_length", a->rec_len);
	}
	jbuf_bool(b, "after_server_hello", a->after_server_hello);
	jbuf_obj_close(b);
}

/* A certificate's time, seconds since the epoch (before 1970 too); 0: unreadable. */
static void ts_sec(struct jbuf *b, const char *key, int64_t sec)
{
	time_t t = sec;
	struct tm tm;
	char buf[64];

	if (!sec || !gmtime_r(&t, &tm)) {
		jbuf_null(b, key);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jbuf_str(b, key, buf);
}

static void cert_obj(struct jbuf *b, const struct cert_info *ci)
{
	struct jbuf_bytes v[CERT_MAX_SANS];
	char hex[65];
	unsigned i;

	jbuf_key(b, NULL);
	jbuf_obj_open(b);
	jbuf_strn(b, "subject_cn", ci->subject_cn, strlen(ci->subject_cn));
	jbuf_strn(b, "subject", ci->subject, strlen(ci->subject));
	jbuf_strn(b, "issuer", ci->issuer, strlen(ci->issuer));
	jbuf_str(b, "serial", ci->serial);
	for (i = 0; i < ci->n_sans; i++)
		v[i] = (struct jbuf_bytes){ ci->sans[i], strlen(ci->sans[i]) };
	jbuf_strv(b, "sans", v, ci->n_sans);
	if (ci->n_sans_total > ci->n_sans)
		jbuf_u64(b, "sans_total", ci->n_sans_total);
	ts_sec(b, "not_before", ci->not_before);
	ts_sec(b, "not_after", ci->not_after);
	jbuf_str(b, "key_type", ci->key_type);
	jbuf_u64(b, "key_bits", ci->key_bits);
	if (ci->key_group[0])
		jbuf_str(b, "key_group", ci->key_group);
	jbuf_str(b, "signature", ci->signature);
	jbuf_bool(b, "self_signed", ci->self_signed);
	str_hex(hex, ci->fp_sha256, 32, 0);
	jbuf_str(b, "sha256", hex);
	str_hex(hex, ci->fp_sha1, 20, 0);
	jbuf_str(b, "sha1", hex);
	jbuf_obj_close(b);
}

/* The chain array's elements: formatted at the chain's first record, then copied. */
static void chain_objs(struct jbuf *b, const struct cert_chain *c)
{
	struct cert_chain_memo *m = c->memo;
	size_t start = b->len;
	unsigned i;

	if (m && m->json) {
		jbuf_raw(b, m->json, m->json_len);
		b->need_comma = 1;
		return;
	}
	for (i = 0; i < c->n; i++)
		cert_obj(b, &c->c[i]);
	/* when it cannot be kept, the next record formats it again */
	if (!m || b->oom || b->len == start || !(m->json = malloc(b->len - start)))
		return;
	memcpy(m->json, b->s + start, b->len - start);
	m->json_len = b->len - start;
}

static void findings(struct jbuf *b, const char *key, uint32_t f)
{
	unsigned i;

	jbuf_key(b, key);
	jbuf_arr_open(b);
	for (i = 0; i < CERT_F_MAX; i++)
		if (f & (1u << i))
			jbuf_str(b, NULL, cert_finding_name(i));
	jbuf_arr_close(b);
}

/* Certificates sent in clear: each side's chain, the server's CA names, findings. */
void out_json_certificates(struct jbuf *b, const char *key, const struct hs_record *r)
{
	static const char *const side[2] = { "client", "server" };
	const struct cert_request *cr = r->cert_request;
	unsigned i, s;

	if (!r->certs[0] && !r->certs[1] && !cr && !r->cert_errors)
		return;
	jbuf_key(b, key);
	jbuf_obj_open(b);
	for (s = 0; s < 2; s++) {
		const struct cert_chain *c = r->certs[s];

		if (!c)
			continue;
		jbuf_key(b, side[s]);
		jbuf_obj_open(b);
		jbuf_key(b, "chain");
		jbuf_arr_open(b);
		chain_objs(b, c);
		jbuf_arr_close(b);
		jbuf_u64(b, "sent", c->n_sent);
		if (c->bad)
			jbuf_u64(b, "unparsed", c->bad);
		jbuf_str(b, "validation", cert_verify_str(c->verify_error));
		findings(b, "findings", r->cert_findings[s]);
		if (s == SIDE_SERVER && (r->cert_findings[s] & (1u << CERT_F_NOT_YET_VALID)))
			jbuf_i64(b, "not_yet_valid_by_s", r->cert_skew_s);
		jbuf_obj_close(b);
	}
	if (cr) {
		struct jbuf_bytes v[CERT_MAX_CA_NAMES];

		for (i = 0; i < cr->n_ca; i++)
			v[i] = (struct jbuf_bytes){ cr->ca[i], strlen(cr->ca[i]) };
		jbuf_strv(b, "acceptable_cas", v, cr->n_ca);
		jbuf_u64(b, "acceptable_cas_total", cr->n_ca_total);
	}
	if (r->cert_errors)
		jbuf_u64(b, "unparsed_messages", r->cert_errors);
	jbuf_obj_close(b);
}

/* A ClientHello that never came whole: how much of it did. */
void out_json_hello_incomplete(struct jbuf *b, const struct evidence *ev)
{
	if (!ev->hello_incomplete)
		return;
	jbuf_bool(b, "client_hello_incomplete", 1);
	jbuf_u64(b, "client_hello_bytes", ev->hello_have);
	if (ev->hello_need)
		jbuf_u64(b, "client_hello_length", ev->hello_need);
}

/* Another server that accepted what this one refused. */
static void sibling_obj(struct jbuf *b, const struct rec_sibling *s)
{
	char a[INET6_ADDRSTRLEN], buf[40];

	addr_str(s->addr, a, sizeof(a));
	jbuf_key(b, "sibling");
	jbuf_obj_open(b);
	jbuf_str(b, "server", a);
	jbuf_u64(b, "server_port", s->port);
	jbuf_bool(b, "same_name", s->same_name);
	jbuf_bool(b, "same_fingerprint", s->same_fingerprint);
	jbuf_str(b, "version", tls_version_str(s->version, buf, sizeof(buf)));
	jbuf_str(b, "cipher", tls_cipher_str(s->cipher, buf, sizeof(buf)));
	jbuf_u64(b, "handshakes", s->handshakes);
	jbuf_obj_close(b);
}

void out_json_evidence(struct jbuf *b, const char *key, const struct hs_record *r)
{
	const struct evidence *ev = &r->ev;
	char buf[40];

	jbuf_key(b, key);
	jbuf_obj_open(b);
	jbuf_str(b, "basis", basis_name(ev->basis));
	jbuf_str(b, "confidence", confidence_name(ev->confidence));
	if (ev->alert)
		out_json_alert(b, "alert", ev->alert);
	if (ev->basis == BASIS_SERVER_PROFILE || ev->basis == BASIS_CLIENT_OFFER ||
	    ev->basis == BASIS_SIBLING) {
		if (r->ch) {
			names16(b, "client_ciphers", r->ch->ciphers, r->ch->n_ciphers,
				TLSMON_MAX_CIPHERS, tls_cipher_str, 1);
			jbuf_str(b, "client_max_version", tls_version_str(ev->client_max_version, buf,
									  sizeof(buf)));
		}
		if (r->ch && ev->basis != BASIS_SERVER_PROFILE) {
			/* the offer is the evidence: what else a refusal may be about */
			names16(b, "client_groups", r->ch->groups, r->ch->n_groups,
				TLSMON_MAX_GROUPS, tls_group_str, 1);
			names16(b, "client_signature_algorithms", r->ch->sigalgs, r->ch->n_sigalgs,
				TLSMON_MAX_SIGALGS, tls_sigalg_str, 1);
		}
		if (ev->alternatives) {
			jbuf_key(b, "alternatives");
			jbuf_arr_open(b);
			if (ev->alternatives & EV_ALT_NO_SHARED_GROUP)
				jbuf_str(b, NULL, "no_shared_group");
			if (ev->alternatives & EV_ALT_NO_SHARED_SIGALG)
				jbuf_str(b, NULL, "no_shared_signature_algorithm");
			jbuf_arr_close(b);
		}
		if (ev->have_sibling)
			sibling_obj(b, &ev->sibling);
		if (ev->basis == BASIS_SERVER_PROFILE) {
			jbuf_key(b, "server_accepted");
			jbuf_obj_open(b);
			jbuf_u64(b, "handshakes", ev->profile_successes);
			names16(b, "ciphers", ev->profile_ciphers, ev->n_profile_ciphers,
				REC_MAX_PROFILE, tls_cipher_str, 0);
			jbuf_str(b, "min_version", tls_version_str(ev->profile_min_version, buf, sizeof(buf)));
			jbuf_str(b, "max_version", tls_version_str(ev->profile_max_version, buf, sizeof(buf)));
			jbuf_obj_close(b);
		}
	}
	if (r->reason == REASON_RESET_AFTER_CLIENT_HELLO) {
		jbuf_u64(b, "reset_ttl", r->rst.ttl);
		jbuf_u64(b, "reset_ip_id", r->rst.ip_id);
		if (ev->baseline_known) {
			jbuf_u64(b, "synack_ttl", ev->baseline_ttl);
			jbuf_u64(b, "synack_ip_id", ev->baseline_ip_id);
		}
		jbuf_bool(b, "suspected_middlebox", ev->suspected_middlebox);
		jbuf_bool(b, "ttl_mismatch", ev->ttl_mismatch);
		jbuf_bool(b, "ip_id_mismatch", ev->ip_id_mismatch);
	}
	if (r->reason == REASON_CLOSED_AFTER_CLIENT_HELLO)
		jbuf_bool(b, "client_sent_no_sni", ev->client_sent_no_sni);
	if (r->reason == REASON_RESET_AFTER_CLIENT_HELLO && r->rst.seen)
		jbuf_str(b, "reset_by", side_name(r->rst.sender));
	if (r->reason == REASON_CLOSED_AFTER_CLIENT_HELLO && r->fin.seen)
		jbuf_str(b, "closed_by", side_name(r->fin.sender));
	if (r->reason == REASON_ABORTED_DURING_HANDSHAKE) {
		if (r->rst.seen)
			jbuf_str(b, "reset_by", side_name(r->rst.sender));
		else if (r->fin.seen)
			jbuf_str(b, "closed_by", side_name(r->fin.sender));
	}
	if (ev->basis == BASIS_INFERRED) {
		jbuf_bool(b, "inferred", 1);
		jbuf_u64(b, "encrypted_record_length", ev->inferred_record_len);
	}
	if (ev->client_cert_sent)
		jbuf_bool(b, "client_certificate_sent", ev->client_cert_sent == 1);
	if (r->reason == REASON_NON_TLS_RESPONSE)
		jbuf_strn(b, "first_bytes", ev->first_bytes, ev->n_first_bytes);
	if (r->reason == REASON_NO_SHARED_ALPN && r->ch) {
		out_json_alpn_list(b, "client_alpn", r->ch);
		jbuf_u64(b, "client_alpn_count", r->ch->alpn_count);
	}
	/* what was wrong with the certificate the other side refused */
	if (r->reason == REASON_CLIENT_REJECTED_SERVER_CERT && r->certs[SIDE_SERVER])
		findings(b, "certificate_findings", r->cert_findings[SIDE_SERVER]);
	if (r->reason == REASON_SERVER_REJECTED_CLIENT_CERT && r->certs[SIDE_CLIENT])
		findings(b, "certificate_findings", r->cert_findings[SIDE_CLIENT]);
	if (r->reason == REASON_NO_SERVER_HELLO || r->reason == REASON_NO_SERVER_RESPONSE ||
	    r->reason == REASON_CLIENT_HELLO_INCOMPLETE ||
	    (r->reason == REASON_ABORTED_DURING_HANDSHAKE && ev->waited_s > 0))
		jbuf_dbl(b, "waited_s", ev->waited_s);
	if (ev->hello_error)
		jbuf_str(b, "client_hello_error", tls_err_name(ev->hello_error));
	out_json_hello_incomplete(b, ev);
	jbuf_obj_close(b);
}

/* A string of the local identity: bytes as the kernel or the cgroup path gave them; "" null. */
static void local_str(struct jbuf *b, const char *key, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n)
		jbuf_strn(b, key, s, n);
	else
		jbuf_null(b, key);
}

void out_json_local(struct jbuf *b, const char *key, const struct local_id *l)
{
	if (!l) {
		jbuf_null(b, key);
		return;
	}
	jbuf_key(b, key);
	jbuf_obj_open(b);
	jbuf_str(b, "side", side_name(l->side));
	jbuf_u64(b, "pid", l->pid);
	jbuf_u64(b, "tid", l->tid);
	jbuf_u64(b, "uid", l->uid);
	local_str(b, "comm", l->comm, sizeof(l->comm));
	local_str(b, "exe", l->exe, sizeof(l->exe));
	jbuf_u64(b, "cgroup_id", l->cgroup_id);
	local_str(b, "cgroup", l->cgroup_path, sizeof(l->cgroup_path));
	local_str(b, "unit", l->unit, sizeof(l->unit));
	local_str(b, "container_id", l->container_id, sizeof(l->container_id));
	if (l->runtime != LOCAL_RT_NONE)
		jbuf_str(b, "container_runtime", local_runtime_name(l->runtime));
	else
		jbuf_null(b, "container_runtime");
	local_str(b, "pod_uid", l->pod_uid, sizeof(l->pod_uid));
	local_str(b, "pod_namespace", l->pod_namespace, sizeof(l->pod_namespace));
	local_str(b, "pod_name", l->pod_name, sizeof(l->pod_name));
	jbuf_obj_close(b);
}

/* QUIC's facts: version, connection IDs, Version Negotiation, Retry, close. */
void out_json_quic(struct jbuf *b, const char *key, const struct tlsmon_ev_quic_info *q)
{
	char v[16];
	unsigned i;

	jbuf_key(b, key);
	jbuf_obj_open(b);
	snprintf(v, sizeof(v), "0x%08x", q->version);
	jbuf_str(b, "version", v);
	jbuf_hex(b, "dcid", q->dcid, q->dcid_len < QUIC_CID_MAX ? q->dcid_len : QUIC_CID_MAX);
	jbuf_hex(b, "scid", q->scid, q->scid_len < QUIC_CID_MAX ? q->scid_len : QUIC_CID_MAX);
	jbuf_hex(b, "server_scid", q->sscid,
		 q->sscid_len < QUIC_CID_MAX ? q->sscid_len : QUIC_CID_MAX);
	jbuf_u64(b, "retries", q->retries);
	if (q->flags & QUIC_CF_VN) {
		jbuf_key(b, "version_negotiation");
		jbuf_arr_open(b);
		for (i = 0; i < q->n_vn && i < QUIC_INFO_VN_MAX; i++) {
			snprintf(v, sizeof(v), "0x%08x", q->vn[i]);
			jbuf_str(b, NULL, v);
		}
		jbuf_arr_close(b);
	}
	if (q->flags & (QUIC_CF_CLOSE_C | QUIC_CF_CLOSE_S)) {
		jbuf_key(b, "close");
		jbuf_obj_open(b);
		jbuf_str(b, "by", q->flags & QUIC_CF_CLOSE_S ? "server" : "client");
		jbuf_u64(b, "code", q->close_code);
		jbuf_bool(b, "application", q->flags & QUIC_CF_CLOSE_APP);
		jbuf_obj_close(b);
	}
	jbuf_obj_close(b);
}

void out_json_record(struct jbuf *b, const struct hs_record *r)
{
	const struct tls_client_hello *ch = r->ch;
	const struct tls_server_hello *sh = r->sh;
	char ca[INET6_ADDRSTRLEN], sa[INET6_ADDRSTRLEN], buf[64];
	const uint8_t *sni;
	size_t sni_len;
	unsigned i;
	int cut;

	addr_str(r->caddr, ca, sizeof(ca));
	addr_str(r->saddr, sa, sizeof(sa));
	jbuf_obj_open(b);
	ts_iso(b, "ts", r->start_ns);
	jbuf_u64(b, "id", r->id);
	jbuf_str(b, "interface", r->ifname);
	jbuf_str(b, "client", ca);
	jbuf_u64(b, "client_port", r->cport);
	jbuf_str(b, "server", sa);
	jbuf_u64(b, "server_port", r->sport);
	jbuf_str(b, "transport", r->quic ? "quic" : "tcp");
	if (r->quic)
		out_json_quic(b, "quic", r->quic);
	jbuf_bool(b, "client_hello_seen", !!ch);
	sni = record_sni(r, &sni_len, &cut);
	if (sni)
		jbuf_strn(b, "sni", sni, sni_len);
	else
		jbuf_null(b, "sni");
	if (ch) {
		static const struct { uint32_t flag; const char *name; } cut[] = {
			{ TLS_CHF_TRUNC_SNI, "sni" }, { TLS_CHF_TRUNC_ALPN, "alpn" },
			{ TLS_CHF_TRUNC_CIPHERS, "ciphers" }, { TLS_CHF_TRUNC_EXTS, "extensions" },
			{ TLS_CHF_TRUNC_VERSIONS, "versions" }, { TLS_CHF_TRUNC_GROUPS, "groups" },
			{ TLS_CHF_TRUNC_KEY_SHARES, "key_shares" },
			{ TLS_CHF_TRUNC_SIGALGS, "signature_algorithms" },
			{ TLS_CHF_TRUNC_ECPF, "ec_point_formats" },
		};

		/* lists longer than tlsmon keeps: shown in part, said so here */
		if (ch->flags & TLS_CHF_TRUNC_MASK) {
			jbuf_key(b, "client_hello_cut");
			jbuf_arr_open(b);
			for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
				if (ch->flags & cut[i].flag)
					jbuf_str(b, NULL, cut[i].name);
			jbuf_arr_close(b);
		}
		out_json_alpn_list(b, "alpn_offered", ch);
		jbuf_u64(b, "alpn_offered_count", ch->alpn_count);
		names16(b, "versions_offered", ch->versions, ch->n_versions, TLSMON_MAX_VERSIONS,
			ver_str, 1);
		names16(b, "ciphers_offered", ch->ciphers, ch->n_ciphers, TLSMON_MAX_CIPHERS,
			tls_cipher_str, 1);
		jbuf_str(b, "client_version", tls_version_str(ch->legacy_version, buf, sizeof(buf)));
	}
	if (sh) {
		if (sh->flags & TLS_SHF_ALPN)
			jbuf_strn(b, "alpn", sh->alpn, sh->alpn_len < TLSMON_SH_ALPN_MAX ? sh->alpn_len
										  : TLSMON_SH_ALPN_MAX);
		else
			jbuf_null(b, "alpn");
		jbuf_str(b, "version", tls_version_str(r->version, buf, sizeof(buf)));
		jbuf_str(b, "cipher", tls_cipher_str(sh->cipher, buf, sizeof(buf)));
		if (sh->flags & TLS_SHF_KEY_SHARE)
			jbuf_str(b, "group", tls_group_str(sh->key_share_group, buf, sizeof(buf)));
		else
			jbuf_null(b, "group");
	} else {
		jbuf_null(b, "version");
		jbuf_null(b, "cipher");
	}
	jbuf_str(b, "kind", kind_name(r->kind));
	jbuf_bool(b, "resumed", r->kind == KIND_RESUMED_SESSION_ID || r->kind == KIND_RESUMED_TICKET ||
				      r->kind == KIND_RESUMED_PSK);
	jbuf_bool(b, "mutual_tls", r->mutual_tls);
	jbuf_bool(b, "hello_retry_request", r->hello_retry);
	if (ch) {
		if (r->fp->have_ja4) {
			jbuf_str(b, "ja4", r->fp->ja4);
			jbuf_str(b, "ja4_r", r->fp->ja4_r);
		} else {
			jbuf_null(b, "ja4");
			jbuf_str(b, "ja4_missing", r->fp->why_not);
		}
		if (r->fp->have_ja3) {
			jbuf_str(b, "ja3", r->fp->ja3);
			jbuf_str(b, "ja3_string", r->fp->ja3_str);
		}
		if (r->ch2) {
			/* the second ClientHello, after a HelloRetryRequest */
			struct fingerprints *fp2 = malloc(sizeof(*fp2));

			if (fp2) {
				(r->quic ? fingerprint_client_quic : fingerprint_client)(r->ch2, fp2);
				if (fp2->have_ja4) {
					jbuf_str(b, "ja4_retry", fp2->ja4);
					jbuf_str(b, "ja4_r_retry", fp2->ja4_r);
				}
				free(fp2);
			}
		}
	}
	if (sh) {
		jbuf_str(b, "ja3s", r->sfp->ja3s);
		jbuf_str(b, "ja3s_string", r->sfp->ja3s_str);
	}
	jbuf_key(b, "latency_ms");
	jbuf_obj_open(b);
	if (r->ch_ns && r->sh_ns >= r->ch_ns)
		jbuf_ms_of_ns(b, "server_hello", r->sh_ns - r->ch_ns);
	if (r->ch_ns && r->end_ns >= r->ch_ns)
		jbuf_ms_of_ns(b, "settled", r->end_ns - r->ch_ns);
	jbuf_obj_close(b);
	jbuf_str(b, "outcome", outcome_name(r->outcome));
	if (r->outcome == OUTCOME_FAILED) {
		jbuf_str(b, "reason", reason_label(r, buf, sizeof(buf)));
		out_json_evidence(b, "evidence", r);
	} else {
		jbuf_null(b, "reason");
		if (r->closed_before_data)
			jbuf_str(b, "closed_before_application_data",
			       r->closed_before_data == 1 ? "client" : "server");
		/* unsettled (input or tracking ended first), the hello still incomplete */
		if (r->ev.hello_incomplete) {
			jbuf_key(b, "evidence");
			jbuf_obj_open(b);
			out_json_hello_incomplete(b, &r->ev);
			jbuf_obj_close(b);
		}
	}
	out_json_certificates(b, "certificates", r);
	jbuf_key(b, "alerts");
	jbuf_arr_open(b);
	for (i = 0; i < r->n_alerts; i++)
		out_json_alert(b, NULL, &r->alerts[i]);
	jbuf_arr_close(b);
	jbuf_str(b, "history", r->history);
	out_json_local(b, "local", r->local);
	if (r->verified && r->outcome == OUTCOME_FAILED)
		out_verify_brief(b, r->verified);
	jbuf_obj_close(b);
}

struct out_json {
	struct linefile *lf;
	struct jbuf b;
	out_json_record_fn record;	/* --json-format */
	out_json_verified_fn verified;
};

struct out_json *out_json_open(const char *path, char *err, size_t errlen)
{
	struct out_json *o = calloc(1, sizeof(*o));

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (path) {
		o->lf = linefile_open(path, err, errlen);
	} else {
		o->lf = linefile_fd(STDOUT_FILENO, "standard output");
		if (!o->lf)
			snprintf(err, errlen, "out of memory");
	}
	if (!o->lf) {
		free(o);
		return NULL;
	}
	o->record = out_json_record;
	o->verified = out_verify_json;
	return o;
}

void out_json_set_record(struct out_json *o, out_json_record_fn fn)
{
	o->record = fn;
}

void out_json_set_verified(struct out_json *o, out_json_verified_fn fn)
{
	o->verified = fn;
}

void out_json_write(void *ctx, const struct hs_record *r)
{
	struct out_json *o = ctx;

	jbuf_reset(&o->b);
	o->record(&o->b, r);
	jbuf_raw(&o->b, "\n", 1);
	/* the whole line in one write, or nothing (and counted) */
	if (o->b.oom)
		linefile_drop(o->lf, -ENOMEM);
	else
		linefile_write(o->lf, o->b.s, o->b.len);
}

int out_json_buffer(struct out_json *o, size_t size)
{
	return o ? linefile_buffer(o->lf, size) : 0;
}

void out_json_flush(struct out_json *o)
{
	if (o)
		linefile_flush(o->lf);
}

int out_json_writer_start(struct out_json *o)
{
	return o ? linefile_writer_start(o->lf) : 0;
}

void out_json_hand_off(struct out_json *o)
{
	if (o)
		linefile_hand_off(o->lf);
}

const struct linefile_stats *out_json_stats(const struct out_json *o)
{
	return linefile_stats(o->lf);
}

int out_json_reopen(struct out_json *o)
{
	return linefile_reopen(o->lf);
}

void out_json_close(struct out_json *o)
{
	if (!o)
		return;
	linefile_close(o->lf);
	jbuf_free(&o->b);
	free(o);
}

void out_json_verified(struct out_json *o, const struct verify_result *res)
{
	jbuf_reset(&o->b);
	o->verified(&o->b, res);
	jbuf_raw(&o->b, "\n", 1);
	if (o->b.oom)
		linefile_drop(o->lf, -ENOMEM);
	else
		linefile_write(o->lf, o->b.s, o->b.len);
}
