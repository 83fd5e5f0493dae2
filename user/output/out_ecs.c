// SPDX-License-Identifier: BSD-3-Clause
/*
 * --json-format ecs|otel: a record in Elastic Common Schema 8.x field names
 * and types, or as OpenTelemetry semantic-convention attributes.  The facts
 * are gathered once (struct facts) so both say what the native record says;
 * the rest of the native record goes under "tlsmon" as natively written.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/str.h"
#include "lib/tls_names.h"
#include "model/local_id.h"
#include "output/out_ecs.h"
#include "output/out_verify.h"
#include "tls_proto.h"

int out_ecs_format_parse(const char *s)
{
	if (!strcmp(s, "native"))
		return JSON_FORMAT_NATIVE;
	if (!strcmp(s, "ecs"))
		return JSON_FORMAT_ECS;
	if (!strcmp(s, "otel"))
		return JSON_FORMAT_OTEL;
	return -1;
}

out_json_verified_fn out_ecs_format_verified_writer(enum json_format f)
{
	switch (f) {
	case JSON_FORMAT_ECS:
		return out_ecs_verified;
	case JSON_FORMAT_OTEL:
		return out_ecs_otel_verified;
	default:
		return out_verify_json;
	}
}

out_json_record_fn out_ecs_format_writer(enum json_format f)
{
	switch (f) {
	case JSON_FORMAT_ECS:
		return out_ecs_record;
	case JSON_FORMAT_OTEL:
		return out_ecs_otel_record;
	default:
		return out_json_record;
	}
}

/* Schema fields holding wire bytes that are not valid UTF-8: their hex goes to tlsmon.hex. */
#define MAX_BAD 8

struct wire_bad {
	const char *field;	/* the schema's name of it */
	const void *p;
	size_t n;
};

/* What both vocabularies say, from one record. */
struct facts {
	const struct hs_record *r;
	char ts[48];
	char ca[INET6_ADDRSTRLEN], sa[INET6_ADDRSTRLEN];
	const char *net_type;			/* "ipv4", "ipv6" */
	const uint8_t *sni;			/* NULL: none sent */
	size_t sni_len;
	const char *proto_name, *proto_ver;	/* NULL: no ServerHello, or no such name */
	char version[32];			/* the native name of the version */
	char cipher[96], curve[64];		/* "": none */
	const uint8_t *alpn;			/* chosen, NULL: none */
	size_t alpn_len;
	int established, resumed, failed;
	char reason[64];
	int64_t duration_ns, server_hello_ns;	/* -1: not known */
	struct wire_bad bad[MAX_BAD];
	unsigned n_bad;
};

static void iso_ns(char *out, size_t len, uint64_t ns)
{
	time_t s = ns / 1000000000ull;
	struct tm tm;
	char buf[32];

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%06lluZ", buf, (unsigned long long)(ns % 1000000000ull / 1000));
}

/* ECS tls.version/version_protocol, OTel tls.protocol.version/name: "1.3" and "tls". */
static void proto_split(uint16_t v, const char **name, const char **ver)
{
	static const struct { uint16_t v; const char *name, *ver; } map[] = {
		{ TLS_V_SSL2, "ssl", "2" }, { TLS_V_SSL3, "ssl", "3" },
		{ TLS_V_TLS10, "tls", "1.0" }, { TLS_V_TLS11, "tls", "1.1" },
		{ TLS_V_TLS12, "tls", "1.2" }, { TLS_V_TLS13, "tls", "1.3" },
	};
	unsigned i;

	*name = *ver = NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].v == v) {
			*name = map[i].name;
			*ver = map[i].ver;
		}
}

/* A name from tls_names into a fact's buffer (the functions return a static name or buf). */
static void name_into(char *out, size_t len, const char *(*fn)(uint16_t, char *, size_t), uint16_t v)
{
	const char *s = fn(v, out, len);

	if (s != out)
		snprintf(out, len, "%s", s);
}

static void facts_get(struct facts *f, const struct hs_record *r)
{
	const struct tls_server_hello *sh = r->sh;
	int cut;

	memset(f, 0, sizeof(*f));
	f->r = r;
	iso_ns(f->ts, sizeof(f->ts), r->start_ns);
	addr_str(r->caddr, f->ca, sizeof(f->ca));
	addr_str(r->saddr, f->sa, sizeof(f->sa));
	f->net_type = strchr(f->sa, ':') ? "ipv6" : "ipv4";
	f->sni = record_sni(r, &f->sni_len, &cut);
	if (sh) {
		proto_split(r->version, &f->proto_name, &f->proto_ver);
		name_into(f->version, sizeof(f->version), tls_version_str, r->version);
		name_into(f->cipher, sizeof(f->cipher), tls_cipher_str, sh->cipher);
		if (sh->flags & TLS_SHF_KEY_SHARE)
			name_into(f->curve, sizeof(f->curve), tls_group_str, sh->key_share_group);
		if (sh->flags & TLS_SHF_ALPN) {
			f->alpn = sh->alpn;
			f->alpn_len = sh->alpn_len < TLSMON_SH_ALPN_MAX ? sh->alpn_len
									: TLSMON_SH_ALPN_MAX;
		}
	}
	f->established = r->outcome == OUTCOME_ESTABLISHED;
	f->failed = r->outcome == OUTCOME_FAILED;
	f->resumed = r->kind == KIND_RESUMED_SESSION_ID || r->kind == KIND_RESUMED_TICKET ||
		     r->kind == KIND_RESUMED_PSK;
	if (f->failed) {
		const char *why = reason_label(r, f->reason, sizeof(f->reason));

		if (why != f->reason)
			snprintf(f->reason, sizeof(f->reason), "%s", why);
	}
	f->duration_ns = r->ch_ns && r->end_ns >= r->ch_ns ? (int64_t)(r->end_ns - r->ch_ns) : -1;
	f->server_hello_ns = r->ch_ns && r->sh_ns >= r->ch_ns ? (int64_t)(r->sh_ns - r->ch_ns) : -1;
}

/* A schema field from the wire: escaped as natively, the hex kept for tlsmon.hex. */
static void wire(struct jbuf *b, struct facts *f, const char *key, const char *field,
		 const void *p, size_t n)
{
	jbuf_strn_only(b, key, p, n);
	if (!jbuf_utf8_ok(p, n) && f->n_bad < MAX_BAD)
		f->bad[f->n_bad++] = (struct wire_bad){ field, p, n };
}

static void cert_time(struct jbuf *b, const char *key, int64_t sec)
{
	time_t t = sec;
	struct tm tm;
	char buf[40];

	/* 0: unreadable, left out rather than 1970 */
	if (!sec || !gmtime_r(&t, &tm))
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	jbuf_str(b, key, buf);
}

/*
 * The leaf certificate of a side (sent in clear, TLS 1.2 and below) as the
 * schemas' tls.client.* / tls.server.* fields; prefix: "" inside ECS's
 * tls.server object, "tls.server." for OTel's flat keys.
 */
static void leaf_fields(struct jbuf *b, struct facts *f, enum side s, const char *prefix)
{
	const struct cert_chain *c = f->r->certs[s];
	const struct cert_info *ci;
	char k[64], hex[65];

	/* c[0] is the leaf only when the first entry parsed */
	if (!c || !c->n || !c->leaf)
		return;
	ci = &c->c[0];
#define KEY(name) (snprintf(k, sizeof(k), "%s%s", prefix, name), k)
	/* the DNs are text made from the certificate's bytes: escaped like the wire's */
	wire(b, f, KEY("subject"), s == SIDE_SERVER ? "tls.server.subject" : "tls.client.subject",
	     ci->subject, strlen(ci->subject));
	wire(b, f, KEY("issuer"), s == SIDE_SERVER ? "tls.server.issuer" : "tls.client.issuer",
	     ci->issuer, strlen(ci->issuer));
	cert_time(b, KEY("not_before"), ci->not_before);
	cert_time(b, KEY("not_after"), ci->not_after);
	if (!*prefix) {
		jbuf_key(b, "hash");
		jbuf_obj_open(b);
	}
	/* ECS and OTel: uppercase hex, unlike the native record */
	str_hex(hex, ci->fp_sha256, 32, 1);
	jbuf_str(b, KEY(*prefix ? "hash.sha256" : "sha256"), hex);
	str_hex(hex, ci->fp_sha1, 20, 1);
	jbuf_str(b, KEY(*prefix ? "hash.sha1" : "sha1"), hex);
	if (!*prefix)
		jbuf_obj_close(b);
#undef KEY
}

static void ciphers_offered(struct jbuf *b, const char *key, const struct tls_client_hello *ch)
{
	char buf[40];
	unsigned i;

	jbuf_key(b, key);
	jbuf_arr_open(b);
	for (i = 0; i < ch->n_ciphers && i < TLSMON_MAX_CIPHERS; i++)
		if (!TLS_IS_GREASE(ch->ciphers[i]))
			jbuf_str(b, NULL, tls_cipher_str(ch->ciphers[i], buf, sizeof(buf)));
	jbuf_arr_close(b);
}

/* Lists longer than tlsmon keeps: shown in part (supported_ciphers too), said so here. */
static void hello_cut(struct jbuf *b, const char *key, const struct tls_client_hello *ch)
{
	static const struct { uint32_t flag; const char *name; } cut[] = {
		{ TLS_CHF_TRUNC_SNI, "sni" }, { TLS_CHF_TRUNC_ALPN, "alpn" },
		{ TLS_CHF_TRUNC_CIPHERS, "ciphers" }, { TLS_CHF_TRUNC_EXTS, "extensions" },
		{ TLS_CHF_TRUNC_VERSIONS, "versions" }, { TLS_CHF_TRUNC_GROUPS, "groups" },
		{ TLS_CHF_TRUNC_KEY_SHARES, "key_shares" },
		{ TLS_CHF_TRUNC_SIGALGS, "signature_algorithms" },
		{ TLS_CHF_TRUNC_ECPF, "ec_point_formats" },
	};
	unsigned i;

	if (!(ch->flags & TLS_CHF_TRUNC_MASK))
		return;
	jbuf_key(b, key);
	jbuf_arr_open(b);
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		if (ch->flags & cut[i].flag)
			jbuf_str(b, NULL, cut[i].name);
	jbuf_arr_close(b);
}

/* The ClientHello's JA4 and the rest natively named, under tlsmon; p: key prefix. */
static void tlsmon_hello(struct jbuf *b, const struct hs_record *r, const char *p)
{
	const struct tls_client_hello *ch = r->ch;
	char k[64], buf[40];
	unsigned i;

#define KEY(name) (snprintf(k, sizeof(k), "%s%s", p, name), k)
	jbuf_bool(b, KEY("client_hello_seen"), !!ch);
	if (!ch)
		return;
	hello_cut(b, KEY("client_hello_cut"), ch);
	out_json_alpn_list(b, KEY("alpn_offered"), ch);
	jbuf_u64(b, KEY("alpn_offered_count"), ch->alpn_count);
	jbuf_key(b, KEY("versions_offered"));
	jbuf_arr_open(b);
	for (i = 0; i < ch->n_versions && i < TLSMON_MAX_VERSIONS; i++)
		if (!TLS_IS_GREASE(ch->versions[i]))
			jbuf_str(b, NULL, tls_version_str(ch->versions[i], buf, sizeof(buf)));
	jbuf_arr_close(b);
	jbuf_str(b, KEY("client_version"), tls_version_str(ch->legacy_version, buf, sizeof(buf)));
	if (r->fp->have_ja4) {
		jbuf_str(b, KEY("ja4"), r->fp->ja4);
		jbuf_str(b, KEY("ja4_r"), r->fp->ja4_r);
	} else {
		jbuf_str(b, KEY("ja4_missing"), r->fp->why_not);
	}
	if (r->fp->have_ja3)
		jbuf_str(b, KEY("ja3_string"), r->fp->ja3_str);
	if (r->ch2) {
		struct fingerprints *fp2 = malloc(sizeof(*fp2));

		if (fp2) {
			(r->quic ? fingerprint_client_quic : fingerprint_client)(r->ch2, fp2);
			if (fp2->have_ja4) {
				jbuf_str(b, KEY("ja4_retry"), fp2->ja4);
				jbuf_str(b, KEY("ja4_r_retry"), fp2->ja4_r);
			}
			free(fp2);
		}
	}
#undef KEY
}

/* The native record's own facts, key names prefixed by p ("" in ECS's object, "tlsmon." in OTel). */
static void tlsmon_rest(struct jbuf *b, struct facts *f, const char *p)
{
	const struct hs_record *r = f->r;
	char k[80];
	unsigned i;

#define KEY(name) (snprintf(k, sizeof(k), "%s%s", p, name), k)
	jbuf_u64(b, KEY("id"), r->id);
	jbuf_str(b, KEY("outcome"), outcome_name(r->outcome));
	jbuf_str(b, KEY("kind"), kind_name(r->kind));
	/* a version the schemas have no number for (a TLS 1.3 draft) */
	if (r->sh && !f->proto_ver)
		jbuf_str(b, KEY("version"), f->version);
	jbuf_bool(b, KEY("mutual_tls"), r->mutual_tls);
	jbuf_bool(b, KEY("hello_retry_request"), r->hello_retry);
	tlsmon_hello(b, r, p);
	if (r->sh)
		jbuf_str(b, KEY("ja3s_string"), r->sfp->ja3s_str);
	/* the settled latency is the schemas' duration; this one has no field there */
	if (f->server_hello_ns >= 0 && *p) {
		jbuf_dbl(b, KEY("latency_ms.server_hello"), f->server_hello_ns / 1e6);
	} else if (f->server_hello_ns >= 0) {
		jbuf_key(b, "latency_ms");
		jbuf_obj_open(b);
		jbuf_dbl(b, "server_hello", f->server_hello_ns / 1e6);
		jbuf_obj_close(b);
	}
	if (f->failed) {
		jbuf_str(b, KEY("confidence"), confidence_name(r->ev.confidence));
		out_json_evidence(b, KEY("evidence"), r);
	} else if (r->ev.hello_incomplete) {
		jbuf_key(b, KEY("evidence"));
		jbuf_obj_open(b);
		out_json_hello_incomplete(b, &r->ev);
		jbuf_obj_close(b);
	}
	if (!f->failed && r->closed_before_data)
		jbuf_str(b, KEY("closed_before_application_data"),
			 r->closed_before_data == 1 ? "client" : "server");
	out_json_certificates(b, KEY("certificates"), r);
	jbuf_key(b, KEY("alerts"));
	jbuf_arr_open(b);
	for (i = 0; i < r->n_alerts; i++)
		out_json_alert(b, NULL, &r->alerts[i]);
	jbuf_arr_close(b);
	jbuf_str(b, KEY("history"), r->history);
#undef KEY
}

/* Hex of the schema fields whose bytes were not valid UTF-8, keyed by the field's name. */
static void hex_notes(struct jbuf *b, const struct facts *f, const char *key_prefix)
{
	char k[80];
	unsigned i;

	if (!f->n_bad)
		return;
	if (!*key_prefix) {
		jbuf_key(b, "hex");
		jbuf_obj_open(b);
	}
	for (i = 0; i < f->n_bad; i++) {
		snprintf(k, sizeof(k), "%s%s", key_prefix, f->bad[i].field);
		jbuf_hex(b, k, f->bad[i].p, f->bad[i].n);
	}
	if (!*key_prefix)
		jbuf_obj_close(b);
}

/* A string of the local program, when it has one: as wire() (its bytes are the kernel's). */
static void local_str(struct jbuf *b, struct facts *f, const char *key, const char *field,
		      const char *v, size_t max)
{
	size_t n = strnlen(v, max);

	if (n)
		wire(b, f, key, field, v, n);
}

/* The program of this host: ECS process, user, container and orchestrator fields. */
static void ecs_local(struct jbuf *b, struct facts *f)
{
	const struct local_id *l = f->r->local;
	char uid[16];

	if (!l)
		return;
	jbuf_key(b, "process");
	jbuf_obj_open(b);
	jbuf_u64(b, "pid", l->pid);
	jbuf_key(b, "thread");
	jbuf_obj_open(b);
	jbuf_u64(b, "id", l->tid);
	jbuf_obj_close(b);
	local_str(b, f, "name", "process.name", l->comm, sizeof(l->comm));
	local_str(b, f, "executable", "process.executable", l->exe, sizeof(l->exe));
	jbuf_obj_close(b);
	snprintf(uid, sizeof(uid), "%u", l->uid);
	jbuf_key(b, "user");
	jbuf_obj_open(b);
	jbuf_str(b, "id", uid);
	jbuf_obj_close(b);
	if (l->container_id[0]) {
		jbuf_key(b, "container");
		jbuf_obj_open(b);
		local_str(b, f, "id", "container.id", l->container_id, sizeof(l->container_id));
		if (l->runtime != LOCAL_RT_NONE)
			jbuf_str(b, "runtime", local_runtime_name(l->runtime));
		jbuf_obj_close(b);
	}
	if (l->pod_uid[0]) {
		jbuf_key(b, "orchestrator");
		jbuf_obj_open(b);
		jbuf_str(b, "type", "kubernetes");
		local_str(b, f, "namespace", "orchestrator.namespace", l->pod_namespace,
			  sizeof(l->pod_namespace));
		jbuf_key(b, "resource");
		jbuf_obj_open(b);
		jbuf_str(b, "type", "pod");
		local_str(b, f, "id", "orchestrator.resource.id", l->pod_uid, sizeof(l->pod_uid));
		local_str(b, f, "name", "orchestrator.resource.name", l->pod_name,
			  sizeof(l->pod_name));
		jbuf_obj_close(b);
		jbuf_obj_close(b);
	}
}

/* The same as OpenTelemetry attributes (process, thread, user, container, k8s). */
static void otel_local(struct jbuf *b, struct facts *f)
{
	const struct local_id *l = f->r->local;
	char uid[16];

	if (!l)
		return;
	jbuf_u64(b, "process.pid", l->pid);
	jbuf_u64(b, "thread.id", l->tid);
	local_str(b, f, "process.executable.name", "process.executable.name", l->comm,
		  sizeof(l->comm));
	local_str(b, f, "process.executable.path", "process.executable.path", l->exe,
		  sizeof(l->exe));
	snprintf(uid, sizeof(uid), "%u", l->uid);
	jbuf_str(b, "user.id", uid);
	local_str(b, f, "container.id", "container.id", l->container_id, sizeof(l->container_id));
	if (l->container_id[0] && l->runtime != LOCAL_RT_NONE)
		jbuf_str(b, "container.runtime.name", local_runtime_name(l->runtime));
	local_str(b, f, "k8s.pod.uid", "k8s.pod.uid", l->pod_uid, sizeof(l->pod_uid));
	local_str(b, f, "k8s.pod.name", "k8s.pod.name", l->pod_name, sizeof(l->pod_name));
	local_str(b, f, "k8s.namespace.name", "k8s.namespace.name", l->pod_namespace,
		  sizeof(l->pod_namespace));
}

static void ecs_event(struct jbuf *b, const struct facts *f)
{
	jbuf_key(b, "event");
	jbuf_obj_open(b);
	jbuf_str(b, "kind", "event");
	jbuf_key(b, "category");
	jbuf_arr_open(b);
	jbuf_str(b, NULL, "network");
	jbuf_arr_close(b);
	jbuf_key(b, "type");
	jbuf_arr_open(b);
	jbuf_str(b, NULL, "connection");
	jbuf_str(b, NULL, "protocol");
	jbuf_arr_close(b);
	jbuf_str(b, "action", "tls-handshake");
	jbuf_str(b, "dataset", "tlsmon.handshake");
	jbuf_str(b, "module", "tlsmon");
	jbuf_str(b, "outcome", f->established ? "success" : f->failed ? "failure" : "unknown");
	if (f->duration_ns >= 0)
		jbuf_i64(b, "duration", f->duration_ns);
	jbuf_obj_close(b);
}

static void ecs_ends(struct jbuf *b, struct facts *f)
{
	const struct hs_record *r = f->r;

	jbuf_key(b, "source");
	jbuf_obj_open(b);
	jbuf_str(b, "ip", f->ca);
	jbuf_u64(b, "port", r->cport);
	jbuf_obj_close(b);
	jbuf_key(b, "destination");
	jbuf_obj_open(b);
	jbuf_str(b, "ip", f->sa);
	jbuf_u64(b, "port", r->sport);
	if (f->sni)
		wire(b, f, "domain", "destination.domain", f->sni, f->sni_len);
	jbuf_obj_close(b);
	jbuf_key(b, "network");
	jbuf_obj_open(b);
	jbuf_str(b, "transport", r->quic ? "udp" : "tcp");	/* QUIC runs on UDP */
	jbuf_str(b, "type", f->net_type);
	jbuf_str(b, "protocol", "tls");
	jbuf_obj_close(b);
	jbuf_key(b, "observer");
	jbuf_obj_open(b);
	jbuf_key(b, "ingress");
	jbuf_obj_open(b);
	jbuf_key(b, "interface");
	jbuf_obj_open(b);
	jbuf_str(b, "name", r->ifname);
	jbuf_obj_close(b);
	jbuf_obj_close(b);
	jbuf_obj_close(b);
}

static void ecs_tls(struct jbuf *b, struct facts *f)
{
	const struct hs_record *r = f->r;

	jbuf_key(b, "tls");
	jbuf_obj_open(b);
	if (f->proto_ver) {
		jbuf_str(b, "version", f->proto_ver);
		jbuf_str(b, "version_protocol", f->proto_name);
	}
	if (r->sh)
		jbuf_str(b, "cipher", f->cipher);
	if (f->curve[0])
		jbuf_str(b, "curve", f->curve);
	jbuf_bool(b, "resumed", f->resumed);
	jbuf_bool(b, "established", f->established);
	if (f->alpn)
		wire(b, f, "next_protocol", "tls.next_protocol", f->alpn, f->alpn_len);
	if (r->ch) {
		jbuf_key(b, "client");
		jbuf_obj_open(b);
		if (f->sni)
			wire(b, f, "server_name", "tls.client.server_name", f->sni, f->sni_len);
		if (r->fp->have_ja3)
			jbuf_str(b, "ja3", r->fp->ja3);
		ciphers_offered(b, "supported_ciphers", r->ch);
		leaf_fields(b, f, SIDE_CLIENT, "");
		jbuf_obj_close(b);
	}
	if (r->sh) {
		jbuf_key(b, "server");
		jbuf_obj_open(b);
		jbuf_str(b, "ja3s", r->sfp->ja3s);
		leaf_fields(b, f, SIDE_SERVER, "");
		jbuf_obj_close(b);
	}
	jbuf_obj_close(b);
}

void out_ecs_record(struct jbuf *b, const struct hs_record *r)
{
	struct facts *f = malloc(sizeof(*f));

	if (!f) {
		b->oom = 1;
		return;
	}
	facts_get(f, r);
	jbuf_obj_open(b);
	jbuf_str(b, "@timestamp", f->ts);
	jbuf_key(b, "ecs");
	jbuf_obj_open(b);
	jbuf_str(b, "version", OUT_ECS_VERSION);
	jbuf_obj_close(b);
	ecs_event(b, f);
	ecs_ends(b, f);
	ecs_tls(b, f);
	ecs_local(b, f);
	if (f->failed) {
		jbuf_key(b, "error");
		jbuf_obj_open(b);
		jbuf_str(b, "type", f->reason);
		jbuf_obj_close(b);
	}
	/* everything ECS has no field for, in one object */
	jbuf_key(b, "tlsmon");
	jbuf_obj_open(b);
	tlsmon_rest(b, f, "");
	out_json_local(b, "local", r->local);
	if (r->verified && f->failed)
		out_verify_brief(b, r->verified);
	hex_notes(b, f, "");
	jbuf_obj_close(b);
	jbuf_obj_close(b);
	free(f);
}

/* out_verify_brief() names its object "verified": written here as "tlsmon.verified". */
static void otel_verified(struct jbuf *b, const struct verify_result *v)
{
	static const char head[] = "\"verified\":";
	struct jbuf t;

	jbuf_init(&t);
	out_verify_brief(&t, v);
	if (t.oom || t.len < sizeof(head) - 1 || memcmp(t.s, head, sizeof(head) - 1)) {
		b->oom |= t.oom;
	} else {
		jbuf_key(b, "tlsmon.verified");
		jbuf_raw(b, t.s + sizeof(head) - 1, t.len - (sizeof(head) - 1));
	}
	jbuf_free(&t);
}

void out_ecs_otel_record(struct jbuf *b, const struct hs_record *r)
{
	struct facts *f = malloc(sizeof(*f));

	if (!f) {
		b->oom = 1;
		return;
	}
	facts_get(f, r);
	jbuf_obj_open(b);
	/* the log record's time, for the collector to parse (not an attribute) */
	jbuf_str(b, "timestamp", f->ts);
	/* server.address: the name the client asked for, else the address */
	if (f->sni)
		wire(b, f, "server.address", "server.address", f->sni, f->sni_len);
	else
		jbuf_str(b, "server.address", f->sa);
	jbuf_u64(b, "server.port", r->sport);
	jbuf_str(b, "client.address", f->ca);
	jbuf_u64(b, "client.port", r->cport);
	jbuf_str(b, "network.transport", r->quic ? "quic" : "tcp");	/* OTel's enum has quic */
	jbuf_str(b, "network.type", f->net_type);
	jbuf_str(b, "network.interface.name", r->ifname);
	if (f->proto_ver) {
		jbuf_str(b, "tls.protocol.name", f->proto_name);
		jbuf_str(b, "tls.protocol.version", f->proto_ver);
	}
	if (r->sh)
		jbuf_str(b, "tls.cipher", f->cipher);
	if (f->curve[0])
		jbuf_str(b, "tls.curve", f->curve);
	jbuf_bool(b, "tls.established", f->established);
	jbuf_bool(b, "tls.resumed", f->resumed);
	if (f->alpn)
		wire(b, f, "tls.next_protocol", "tls.next_protocol", f->alpn, f->alpn_len);
	if (r->ch && r->fp->have_ja3)
		jbuf_str(b, "tls.client.ja3", r->fp->ja3);
	if (r->ch)
		ciphers_offered(b, "tls.client.supported_ciphers", r->ch);
	leaf_fields(b, f, SIDE_CLIENT, "tls.client.");
	if (r->sh)
		jbuf_str(b, "tls.server.ja3s", r->sfp->ja3s);
	leaf_fields(b, f, SIDE_SERVER, "tls.server.");
	if (f->failed)
		jbuf_str(b, "error.type", f->reason);
	/* the server's address whatever server.address holds; the rest has no attribute */
	jbuf_str(b, "tlsmon.server.ip", f->sa);
	if (f->duration_ns >= 0)
		jbuf_i64(b, "tlsmon.duration_ns", f->duration_ns);
	otel_local(b, f);
	tlsmon_rest(b, f, "tlsmon.");
	out_json_local(b, "tlsmon.local", r->local);
	if (r->verified && f->failed)
		otel_verified(b, r->verified);
	hex_notes(b, f, "tlsmon.hex.");
	jbuf_obj_close(b);
	free(f);
}

/*
 * out_verify_json()'s object, {"verified": {...}}, into a scratch buffer:
 * its text without the outer braces (skip 1) or also without the key (skip
 * 12), or NULL when out of memory.
 */
static const char *verified_text(struct jbuf *t, const struct verify_result *res, size_t skip,
				 size_t *len)
{
	jbuf_init(t);
	out_verify_json(t, res);
	if (t->oom || t->len < skip + 1)
		return NULL;
	*len = t->len - skip - 1;
	return t->s + skip;
}

/* --verify's own line in ECS: when, against what, and the result as natively under tlsmon. */
void out_ecs_verified(struct jbuf *b, const struct verify_result *res)
{
	char ts[48], sa[INET6_ADDRSTRLEN];
	const char *v;
	struct jbuf t;
	size_t n;

	v = verified_text(&t, res, 1, &n);
	if (!v) {
		b->oom = 1;
		jbuf_free(&t);
		return;
	}
	iso_ns(ts, sizeof(ts), res->end_ns);
	addr_str(res->t.addr, sa, sizeof(sa));
	jbuf_obj_open(b);
	jbuf_str(b, "@timestamp", ts);
	jbuf_key(b, "ecs");
	jbuf_obj_open(b);
	jbuf_str(b, "version", OUT_ECS_VERSION);
	jbuf_obj_close(b);
	jbuf_key(b, "event");
	jbuf_obj_open(b);
	jbuf_str(b, "kind", "event");
	jbuf_key(b, "category");
	jbuf_arr_open(b);
	jbuf_str(b, NULL, "network");
	jbuf_arr_close(b);
	jbuf_key(b, "type");
	jbuf_arr_open(b);
	jbuf_str(b, NULL, "info");
	jbuf_arr_close(b);
	jbuf_str(b, "action", "tls-verification");
	jbuf_str(b, "dataset", "tlsmon.verification");
	jbuf_str(b, "module", "tlsmon");
	if (res->end_ns >= res->start_ns && res->start_ns)
		jbuf_u64(b, "duration", res->end_ns - res->start_ns);
	jbuf_obj_close(b);
	jbuf_key(b, "destination");
	jbuf_obj_open(b);
	jbuf_str(b, "ip", sa);
	jbuf_u64(b, "port", res->t.port);
	jbuf_obj_close(b);
	jbuf_key(b, "tlsmon");
	jbuf_obj_open(b);
	jbuf_raw(b, v, n);
	jbuf_obj_close(b);
	jbuf_obj_close(b);
	jbuf_free(&t);
}

/* --verify's own line as OTel attributes: the result under "tlsmon.verified". */
void out_ecs_otel_verified(struct jbuf *b, const struct verify_result *res)
{
	char ts[48], sa[INET6_ADDRSTRLEN];
	const char *v;
	struct jbuf t;
	size_t n;

	v = verified_text(&t, res, 12, &n);
	if (!v) {
		b->oom = 1;
		jbuf_free(&t);
		return;
	}
	iso_ns(ts, sizeof(ts), res->end_ns);
	addr_str(res->t.addr, sa, sizeof(sa));
	jbuf_obj_open(b);
	jbuf_str(b, "timestamp", ts);
	jbuf_str(b, "server.address", sa);
	jbuf_u64(b, "server.port", res->t.port);
	jbuf_key(b, "tlsmon.verified");
	jbuf_raw(b, v, n);
	jbuf_obj_close(b);
	jbuf_free(&t);
}
