// SPDX-License-Identifier: BSD-3-Clause
/*
 * The parser against tshark: every capture of the corpus is replayed through
 * the userspace build of the datapath (the same code as the BPF programs),
 * and every TLS message tshark dissected from a single TCP segment must come
 * out as an event in the same frame with the same fields: record and
 * handshake versions, supported_versions, SNI, ALPN, cipher count, extension
 * types in wire order, key-share groups, chosen cipher, alert level and
 * description.  Messages tshark reassembled across segments are left to the
 * reassembly tests; messages tshark decrypted with key-log secrets are not
 * on the wire and are skipped, each skip counted and printed.
 *
 * TLSMON_ORACLE_EXTRA="capture.pcap:capture.tsv ..." adds captures made at
 * test time (the live client tests use it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "bufcat.h"
#include "corpus.h"
#include "pipe/ev.h"
#include "source/dp_user.h"
#include "model/record.h"
#include "lib/tls_names.h"
#include "source/pcap_src.h"
#include "tls_parse.h"
#include "tsv.h"

struct obs {
	uint64_t frame;
	int type;		/* TLSMON_EV_* */
	int used;
	union {
		struct tlsmon_ev_client_hello ch;
		struct tlsmon_ev_server_hello sh;
		struct tlsmon_ev_small sm;
	} ev;
};

struct flow_end {
	uint64_t frame;
	char client[64], server[64];
	unsigned cport, sport;
};

struct run {
	struct obs *v;
	size_t n, cap;
	struct flow_end *ends;
	size_t nends, capends;
	uint64_t frame;
	uint64_t *blob_frames;	/* frames that carried bytes for reassembly */
	size_t nblob, capblob;
};

static int sink(void *ctx, const void *ev, size_t size)
{
	struct run *r = ctx;
	const struct tlsmon_ev_hdr *h = ev;
	static union ev_parsed parsed;
	static struct tlsp_ws ws;
	struct tlsmon_ev_small two[2];
	struct obs *o;

	/* the datapath ships hellos, the collector's parser reads them */
	if (h->type == TLSMON_EV_HELLO && !ev_check(ev, size)) {
		size = ev_hello_parse(ev, &parsed, &ws);
		ev = &parsed;
		h = ev;
	}
	/* an RST or FIN that ended its flow: only the end matters here */
	if (!ev_check(ev, size) && ev_end_split(ev, two)) {
		ev = &two[1];
		size = sizeof(two[1]);
		h = ev;
	}
	if (h->type == TLSMON_EV_FLOW_END) {
		struct flow_end *fe;

		if (r->nends == r->capends) {
			r->capends = r->capends ? 2 * r->capends : 64;
			r->ends = realloc(r->ends, r->capends * sizeof(*r->ends));
		}
		fe = &r->ends[r->nends++];
		fe->frame = r->frame;
		addr_str(h->caddr, fe->client, sizeof(fe->client));
		addr_str(h->saddr, fe->server, sizeof(fe->server));
		fe->cport = h->cport;
		fe->sport = h->sport;
		return 0;
	}
	if (h->type == TLSMON_EV_BLOB) {
		if (r->nblob == r->capblob) {
			r->capblob = r->capblob ? 2 * r->capblob : 64;
			r->blob_frames = realloc(r->blob_frames, r->capblob * sizeof(uint64_t));
		}
		r->blob_frames[r->nblob++] = r->frame;
		return 0;
	}
	if (h->type != TLSMON_EV_CLIENT_HELLO && h->type != TLSMON_EV_SERVER_HELLO &&
	    h->type != TLSMON_EV_ALERT && h->type != TLSMON_EV_HS_MSG &&
	    h->type != TLSMON_EV_PARSE_ERROR)
		return 0;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
	}
	o = &r->v[r->n++];
	memset(o, 0, sizeof(*o));
	o->frame = r->frame;
	o->type = h->type;
	memcpy(&o->ev, ev, size < sizeof(o->ev) ? size : sizeof(o->ev));
	return 0;
}

/* dp_user's sink sees the frame number through this. */
static struct run *cur_run;

static int on_frame(void *ctx, uint64_t no, uint64_t ts, const uint8_t *eth, uint32_t len,
		    uint32_t wire_len)
{
	(void)wire_len;
	cur_run->frame = no;
	dp_user_frame(ctx, eth, len, ts, 1, TLSMON_HOOK_PCAP);
	return 0;
}

static int frame_had_blob(const struct run *r, uint64_t frame)
{
	size_t i;

	for (i = 0; i < r->nblob; i++)
		if (r->blob_frames[i] == frame)
			return 1;
	return 0;
}

/* The innermost address of a tshark cell ("outer,inner" in tunnels). */
static const char *last_of(const char *cell)
{
	const char *c = strrchr(cell, ',');

	return c ? c + 1 : cell;
}

/* Did the datapath stop following this row's connection before the frame? */
static int ended_before(const struct run *r, const struct tsv *t, size_t row, uint64_t frame)
{
	const char *src = last_of(tsv_get(t, row, tsv_col(t, "src", "ip.src/ipv6.src", NULL)));
	const char *dst = last_of(tsv_get(t, row, tsv_col(t, "dst", "ip.dst/ipv6.dst", NULL)));
	unsigned sp = atoi(last_of(tsv_get(t, row, tsv_col(t, "sport", "tcp.srcport", NULL))));
	unsigned dp = atoi(last_of(tsv_get(t, row, tsv_col(t, "dport", "tcp.dstport", NULL))));
	size_t i;

	for (i = 0; i < r->nends; i++) {
		const struct flow_end *e = &r->ends[i];

		if (e->frame >= frame)
			continue;
		if ((!strcmp(e->client, src) && e->cport == sp && !strcmp(e->server, dst) &&
		     e->sport == dp) ||
		    (!strcmp(e->client, dst) && e->cport == dp && !strcmp(e->server, src) &&
		     e->sport == sp))
			return 1;
	}
	return 0;
}

/* Did tlsmon report anything at all on this row's connection? */
static int seen_conn(const struct run *r, const struct tsv *t, size_t row)
{
	const char *src = last_of(tsv_get(t, row, tsv_col(t, "src", "ip.src/ipv6.src", NULL)));
	unsigned sp = atoi(last_of(tsv_get(t, row, tsv_col(t, "sport", "tcp.srcport", NULL))));
	unsigned dp = atoi(last_of(tsv_get(t, row, tsv_col(t, "dport", "tcp.dstport", NULL))));
	char a[64];
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct tlsmon_ev_hdr *h = &r->v[i].ev.sm.h;

		addr_str(h->caddr, a, sizeof(a));
		if ((h->cport == sp && h->sport == dp && !strcmp(a, src)) ||
		    (h->cport == dp && h->sport == sp))
			return 1;
	}
	return 0;
}

/* Next unused observation of a kind in a frame. */
static struct obs *take(struct run *r, uint64_t frame, int type, int hs_type)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct obs *o = &r->v[i];

		if (o->used || o->frame != frame)
			continue;
		if (type == TLSMON_EV_CLIENT_HELLO || type == TLSMON_EV_SERVER_HELLO) {
			/* a parse error in that frame answers for the hello it failed on */
			if (o->type != type && !(o->type == TLSMON_EV_PARSE_ERROR &&
						 o->ev.sm.hs_type == (type == TLSMON_EV_CLIENT_HELLO ? 1 : 2)))
				continue;
		} else if (o->type != type) {
			continue;
		}
		if (type == TLSMON_EV_HS_MSG && o->ev.sm.hs_type != hs_type)
			continue;
		o->used = 1;
		return o;
	}
	return NULL;
}

/* ---- our fields, formatted as tshark prints them ---- */

static void hexlist(char *buf, size_t len, const uint16_t *v, size_t n, const char *fmt)
{
	size_t i;

	buf[0] = 0;
	for (i = 0; i < n; i++) {
		if (i)
			bufcat(buf, len, ",");
		bufcat(buf, len, fmt, v[i]);
	}
}

/* tshark shows a byte that is not UTF-8 as U+FFFD; ASCII-only check is enough here. */
static void put_byte(char *buf, size_t len, size_t *o, uint8_t c)
{
	if (c < 0x80) {
		if (*o + 1 < len)
			buf[(*o)++] = c;
	} else if (*o + 3 < len) {
		buf[(*o)++] = (char)0xef;
		buf[(*o)++] = (char)0xbf;
		buf[(*o)++] = (char)0xbd;
	}
	buf[*o] = 0;
}

static void alpn_list(char *buf, size_t len, const uint8_t *raw, size_t rawlen)
{
	size_t p = 0, o = 0, k;

	buf[0] = 0;
	while (p < rawlen && o + 2 < len) {
		k = raw[p++];
		if (o)
			put_byte(buf, len, &o, ',');
		while (k-- && p < rawlen)
			put_byte(buf, len, &o, raw[p++]);
	}
}

/*
 * Where a reference and tlsmon disagree on purpose.  Each entry names the
 * case and cites the specification tlsmon follows; the test still requires
 * tlsmon's answer to be exactly the one given here.
 */
struct known {
	const char *capture;	/* suffix of the capture path */
	uint64_t frame;
	const char *field;	/* "refused" for a hello tlsmon must reject */
	const char *tlsmon;	/* what tlsmon must report */
	const char *why;
};

static const struct known known[] = {
	{ "ndpi/tls_cipher_lens.pcap", 2, "refused", "bad_length",
	  "cipher_suites length tampered (132 for 72 bytes): RFC 5246 7.4.1.2 vectors must fit their message" },
	{ "ndpi/tls_cipher_lens.pcap", 3, "refused", "bad_cipher_suites",
	  "cipher_suites length 133 is odd: RFC 5246 7.4.1.2 CipherSuite is 2 bytes" },
	{ "ndpi/tls_cipher_lens.pcap", 4, "refused", "bad_compression_methods",
	  "cipher_suites length 134 runs into the compression methods, leaving none: RFC 5246 7.4.1.2 <1..2^8-1>" },
	{ "ndpi/tls_cipher_lens.pcap", 5, "refused", "bad_cipher_suites",
	  "cipher_suites length 0: RFC 5246 7.4.1.2 cipher_suites<2..2^16-2>" },
	{ "ndpi/tls_invalid_reads.pcap", 4, "refused", "bad_compression_methods",
	  "fuzzed ClientHello (tshark reports vector length errors): RFC 5246 7.4.1.2" },
	{ "ndpi/tls_invalid_reads.pcap", 12, "refused", "bad_extensions",
	  "fuzzed ClientHello: an extension vector runs past the message, RFC 5246 7.4.1.4" },
	{ "ndpi/tls_invalid_reads.pcap", 6, "encrypted handshake", "handshake type 9 then a parse error",
	  "fuzzed record: tshark ignores it as an unknown record, tlsmon reads its header as "
	  "handshake type 9 and then refuses the garbage that follows" },
	{ "suricata/tls13-draft14/tls13_draft14.pcap", 6, "cipher", "0xc02b",
	  "draft-ietf-tls-tls13-14 6.3.1.2: a draft ServerHello has no session_id; tshark 4.0 "
	  "reads it with the TLS 1.2 layout and takes cipher 0xc02b's first byte as a 192-byte session id" },
};

static const struct known *find_known(const char *capture, uint64_t frame, const char *field)
{
	size_t i, n;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		n = strlen(known[i].capture);
		if (known[i].frame == frame && !strcmp(known[i].field, field) &&
		    strlen(capture) >= n && !strcmp(capture + strlen(capture) - n, known[i].capture))
			return &known[i];
	}
	return NULL;
}

struct ctx {
	const char *capture;
	size_t checked, skipped, failed, after_end, known, untracked;
	char msg[16384];
};

static void mismatch(struct ctx *c, uint64_t frame, const char *what, const char *want,
		     const char *got)
{
	c->failed++;
	bufcat(c->msg, sizeof(c->msg), "  frame %llu %s: tshark '%s', tlsmon '%s'\n",
	       (unsigned long long)frame, what, want, got);
}

static void cmp_field(struct ctx *c, uint64_t frame, const char *what, const char *want,
		      const char *got)
{
	const struct known *k;

	if (!want || !*want || !strcmp(want, got))
		return;
	k = find_known(c->capture, frame, what);
	if (k && !strcmp(k->tlsmon, got)) {
		c->known++;
		printf("# %s frame %llu %s: tshark '%s', tlsmon '%s': %s\n", c->capture,
		       (unsigned long long)frame, what, want, got, k->why);
		return;
	}
	mismatch(c, frame, what, want, got);
}

/* A number, possibly followed by its name in parentheses: "2(fatal)". */
static void cmp_num(struct ctx *c, uint64_t frame, const char *what, const char *want,
		    unsigned got)
{
	char buf[32];

	if (!want || !*want)
		return;
	if (strtoul(want, NULL, 10) != got) {
		snprintf(buf, sizeof(buf), "%u", got);
		mismatch(c, frame, what, want, buf);
	}
}

static void check_ch(struct ctx *c, const struct tsv *t, size_t row, uint64_t frame,
		     const struct tls_client_hello *ch, int fmt_a)
{
	char got[8192];
	size_t n;

	snprintf(got, sizeof(got), "0x%04x", ch->record_version);
	cmp_field(c, frame, "record version",
		  tsv_get(t, row, tsv_col(t, "rec_version", "tls.record.version", NULL)), got);
	n = ch->n_versions < TLSMON_MAX_VERSIONS ? ch->n_versions : TLSMON_MAX_VERSIONS;
	hexlist(got, sizeof(got), ch->versions, n, "0x%04x");
	cmp_field(c, frame, "supported_versions",
		  tsv_get(t, row, tsv_col(t, "supported_versions",
					  "tls.handshake.extensions.supported_version", NULL)),
		  got);
	snprintf(got, sizeof(got), "%.*s",
		 (ch->flags & TLS_CHF_SNI_NOT_HOST) ? 0 : (int)(ch->sni_len < 255 ? ch->sni_len : 255),
		 (const char *)ch->sni);
	cmp_field(c, frame, "server_name",
		  tsv_get(t, row, tsv_col(t, "sni", "tls.handshake.extensions_server_name", NULL)),
		  got);
	alpn_list(got, sizeof(got), ch->alpn, ch->alpn_len < TLSMON_ALPN_MAX ? ch->alpn_len : TLSMON_ALPN_MAX);
	cmp_field(c, frame, "alpn",
		  tsv_get(t, row, tsv_col(t, "alpn", "tls.handshake.extensions_alpn_str", NULL)),
		  got);
	if (!fmt_a)
		return;
	snprintf(got, sizeof(got), "0x%04x", ch->legacy_version);
	cmp_field(c, frame, "handshake version", tsv_get(t, row, tsv_col(t, "hs_version", NULL)),
		  got);
	snprintf(got, sizeof(got), "%u", ch->n_ciphers + ch->n_sslv2_only);
	cmp_field(c, frame, "cipher count", tsv_get(t, row, tsv_col(t, "n_ciphers", NULL)), got);
	n = ch->n_exts < TLSMON_MAX_EXTS ? ch->n_exts : TLSMON_MAX_EXTS;
	hexlist(got, sizeof(got), ch->exts, n, "%04x");
	cmp_field(c, frame, "extension types", tsv_get(t, row, tsv_col(t, "ext_types", NULL)), got);
	n = ch->n_key_shares < TLSMON_MAX_KEY_SHARES ? ch->n_key_shares : TLSMON_MAX_KEY_SHARES;
	hexlist(got, sizeof(got), ch->key_shares, n, "%04x");
	cmp_field(c, frame, "key_share groups", tsv_get(t, row, tsv_col(t, "key_share", NULL)), got);
	if (strstr(tsv_get(t, row, tsv_col(t, "note", NULL)), "ECH") && !(ch->flags & TLS_CHF_ECH))
		mismatch(c, frame, "encrypted_client_hello", "present", "absent");
	if (strstr(tsv_get(t, row, tsv_col(t, "note", NULL)), "pre_shared_key") &&
	    !(ch->flags & TLS_CHF_PSK))
		mismatch(c, frame, "pre_shared_key", "present", "absent");
	if (strstr(tsv_get(t, row, tsv_col(t, "note", NULL)), "early_data") &&
	    !(ch->flags & TLS_CHF_EARLY_DATA))
		mismatch(c, frame, "early_data", "present", "absent");
}

static void check_sh(struct ctx *c, const struct tsv *t, size_t row, uint64_t frame,
		     const struct tls_server_hello *sh, int fmt_a, int hrr)
{
	char got[4096];
	size_t n;

	snprintf(got, sizeof(got), "0x%04x", sh->record_version);
	cmp_field(c, frame, "record version",
		  tsv_get(t, row, tsv_col(t, "rec_version", "tls.record.version", NULL)), got);
	got[0] = 0;
	if (sh->flags & TLS_SHF_SUPPORTED_VERSIONS)
		snprintf(got, sizeof(got), "0x%04x", sh->selected_version);
	cmp_field(c, frame, "supported_versions",
		  tsv_get(t, row, tsv_col(t, "supported_versions",
					  "tls.handshake.extensions.supported_version", NULL)),
		  got);
	snprintf(got, sizeof(got), "0x%04x", sh->cipher);
	cmp_field(c, frame, "cipher",
		  tsv_get(t, row, tsv_col(t, "cipher", "tls.handshake.ciphersuite", NULL)), got);
	snprintf(got, sizeof(got), "%.*s", sh->alpn_len < TLSMON_SH_ALPN_MAX ? sh->alpn_len : TLSMON_SH_ALPN_MAX,
		 (const char *)sh->alpn);
	cmp_field(c, frame, "alpn",
		  tsv_get(t, row, tsv_col(t, "alpn", "tls.handshake.extensions_alpn_str", NULL)),
		  got);
	/* hrr -1: the -T fields layout does not tell */
	if (hrr >= 0 && hrr != !!(sh->flags & TLS_SHF_HRR))
		mismatch(c, frame, "HelloRetryRequest", hrr ? "yes" : "no", hrr ? "no" : "yes");
	if (!fmt_a)
		return;
	snprintf(got, sizeof(got), "0x%04x", sh->legacy_version);
	cmp_field(c, frame, "handshake version", tsv_get(t, row, tsv_col(t, "hs_version", NULL)),
		  got);
	n = sh->n_exts < TLSMON_SH_MAX_EXTS ? sh->n_exts : TLSMON_SH_MAX_EXTS;
	hexlist(got, sizeof(got), sh->exts, n, "%04x");
	cmp_field(c, frame, "extension types", tsv_get(t, row, tsv_col(t, "ext_types", NULL)), got);
	got[0] = 0;
	if (sh->flags & TLS_SHF_KEY_SHARE)
		snprintf(got, sizeof(got), "%04x", sh->key_share_group);
	cmp_field(c, frame, "key_share group", tsv_get(t, row, tsv_col(t, "key_share", NULL)), got);
}

/* A hello tlsmon refused: only where the known table says so, with that error. */
static void refused(struct ctx *c, uint64_t frame, const char *what, unsigned err)
{
	const struct known *k = find_known(c->capture, frame, "refused");

	if (k && !strcmp(k->tlsmon, tls_err_name(err))) {
		c->known++;
		printf("# %s frame %llu: %s refused (%s): %s\n", c->capture,
		       (unsigned long long)frame, what, tls_err_name(err), k->why);
		return;
	}
	c->failed++;
	bufcat(c->msg, sizeof(c->msg), "  frame %llu: %s refused: %s\n", (unsigned long long)frame,
	       what, tls_err_name(err));
}

static void skip_row(struct ctx *c)
{
	c->skipped++;
}

static void missing(struct ctx *c, struct run *r, const struct tsv *t, size_t row,
		    uint64_t frame, const char *what)
{
	/* tshark reassembled it from several segments: reassembly tests own it */
	if (frame_had_blob(r, frame)) {
		skip_row(c);
		return;
	}
	/*
	 * The handshake had settled (or the connection closed) and the datapath
	 * stopped following it by design: close_notify and the like come later.
	 */
	if (ended_before(r, t, row, frame)) {
		c->checked--;
		c->after_end++;
		return;
	}
	/* An encrypted record on a connection whose handshake the capture lacks:
	 * nothing for a handshake monitor to follow. */
	if (strstr(what, "encrypted") && !seen_conn(r, t, row)) {
		c->checked--;
		c->untracked++;
		return;
	}
	c->failed++;
	bufcat(c->msg, sizeof(c->msg), "  frame %llu: tshark shows %s, tlsmon emitted none\n",
	       (unsigned long long)frame, what);
}

static void check_capture(struct ctx *c, const char *capture, const char *tsvpath)
{
	struct tsv *t = tsv_load(tsvpath);
	struct run r = { 0 };
	struct dp_user *du;
	struct pcap_src *ps;
	char err[512];
	size_t row;
	int fmt_a, c_frame, c_msg, c_segs, c_frags, c_hstype, c_ct, c_level, c_desc, c_stream;
	char tls13_streams[4096] = { 0 };

	if (!t) {
		bufcat(c->msg, sizeof(c->msg), "  cannot read %s\n", tsvpath);
		c->failed++;
		return;
	}
	ps = pcap_src_open(capture, err, sizeof(err));
	if (!ps) {
		bufcat(c->msg, sizeof(c->msg), "  %s\n", err);
		c->failed++;
		tsv_free(t);
		return;
	}
	du = dp_user_new(65536, sink, &r);
	assert_non_null(du);
	cur_run = &r;
	pcap_src_run(ps, on_frame, du, err, sizeof(err));
	pcap_src_close(ps);

	fmt_a = tsv_col(t, "msg", NULL) >= 0;
	c_frame = tsv_col(t, "frame", "frame.number", NULL);
	c_msg = tsv_col(t, "msg", NULL);
	c_segs = tsv_col(t, "tcp_segs", NULL);
	c_frags = tsv_col(t, "hs_reassembled_frags", NULL);
	c_hstype = tsv_col(t, "hs_type", "tls.handshake.type", NULL);
	c_ct = tsv_col(t, "content_type", "tls.record.content_type", NULL);
	c_level = tsv_col(t, "alert_level", "tls.alert_message.level", NULL);
	c_desc = tsv_col(t, "alert_desc", "tls.alert_message.desc", NULL);
	c_stream = tsv_col(t, "tcp_stream", "tcp.stream", NULL);
	for (row = 0; row < t->nrows; row++) {
		uint64_t frame = strtoull(tsv_get(t, row, c_frame), NULL, 10);
		const char *msg = tsv_get(t, row, c_msg);
		const char *segs = tsv_get(t, row, c_segs);
		const char *frags = tsv_get(t, row, c_frags);
		const char *ct = tsv_get(t, row, c_ct);
		const char *hst = tsv_get(t, row, c_hstype);
		const char *transport = tsv_get(t, row, tsv_col(t, "transport", NULL));
		long stream = strtol(tsv_get(t, row, c_stream), NULL, 10);
		int hs = atoi(hst), is_tls13 = stream >= 0 && stream < 4096 && tls13_streams[stream];
		struct obs *o;
		char want[64];

		if (!strcmp(transport, "udp")) {
			skip_row(c);	/* QUIC: not a TCP record stream */
			continue;
		}
		if ((*segs && strcmp(segs, "1")) || (*frags && strcmp(frags, "1"))) {
			skip_row(c);	/* reassembled by tshark from several segments */
			continue;
		}
		if (fmt_a && !strncmp(msg, "sslv2_", 6) && strcmp(msg, "sslv2_client_hello")) {
			skip_row(c);	/* SSLv2 server messages: not parsed */
			continue;
		}
		if (fmt_a ? !strcmp(msg, "handshake_fragment_or_undissected") : 0) {
			skip_row(c);
			continue;
		}
		c->checked++;
		if ((fmt_a && (!strcmp(msg, "client_hello") || !strcmp(msg, "sslv2_client_hello"))) ||
		    (!fmt_a && !strcmp(ct, "22") && hs == 1)) {
			o = take(&r, frame, TLSMON_EV_CLIENT_HELLO, 0);
			if (!o) {
				missing(c, &r, t, row, frame, "a ClientHello");
				continue;
			}
			if (o->type == TLSMON_EV_PARSE_ERROR) {
				refused(c, frame, "ClientHello", o->ev.sm.reason);
				continue;
			}
			check_ch(c, t, row, frame, &o->ev.ch.ch, fmt_a);
		} else if ((fmt_a && (!strcmp(msg, "server_hello") || !strcmp(msg, "server_hello(hrr)"))) ||
			   (!fmt_a && !strcmp(ct, "22") && hs == 2)) {
			o = take(&r, frame, TLSMON_EV_SERVER_HELLO, 0);
			if (!o) {
				missing(c, &r, t, row, frame, "a ServerHello");
				continue;
			}
			if (o->type == TLSMON_EV_PARSE_ERROR) {
				refused(c, frame, "ServerHello", o->ev.sm.reason);
				continue;
			}
			check_sh(c, t, row, frame, &o->ev.sh.sh, fmt_a,
				 fmt_a ? !strcmp(msg, "server_hello(hrr)") : -1);
			if (TLS_V_IS_TLS13(tls_sh_version(&o->ev.sh.sh)) && stream >= 0 && stream < 4096 &&
			    !(o->ev.sh.sh.flags & TLS_SHF_HRR))
				tls13_streams[stream] = 1;
		} else if ((fmt_a && !strcmp(msg, "alert")) ||
			   (!fmt_a && !strcmp(ct, "21") && *tsv_get(t, row, c_level))) {
			o = take(&r, frame, TLSMON_EV_ALERT, 0);
			if (!o || (o->ev.sm.flags & TLSMON_SF_ENCRYPTED)) {
				missing(c, &r, t, row, frame, "a cleartext alert");
				continue;
			}
			cmp_num(c, frame, "alert level", tsv_get(t, row, c_level), o->ev.sm.level);
			cmp_num(c, frame, "alert description", tsv_get(t, row, c_desc), o->ev.sm.desc);
		} else if ((fmt_a && !strcmp(msg, "encrypted_alert")) || (!fmt_a && !strcmp(ct, "21"))) {
			o = take(&r, frame, TLSMON_EV_ALERT, 0);
			if (!o)
				missing(c, &r, t, row, frame, "an encrypted alert");
			else if (!(o->ev.sm.flags & TLSMON_SF_ENCRYPTED))
				mismatch(c, frame, "alert", "encrypted", "cleartext");
		} else if ((fmt_a && !strcmp(msg, "encrypted_handshake")) ||
			   (!fmt_a && !strcmp(ct, "22") && !*hst)) {
			o = take(&r, frame, TLSMON_EV_HS_MSG, 0);
			if (!o && find_known(capture, frame, "encrypted handshake")) {
				c->known++;
				printf("# %s frame %llu: %s\n", capture, (unsigned long long)frame,
				       find_known(capture, frame, "encrypted handshake")->why);
			} else if (!o)
				missing(c, &r, t, row, frame, "an encrypted handshake record");
			else if (!(o->ev.sm.flags & TLSMON_SF_ENCRYPTED))
				mismatch(c, frame, "handshake record", "encrypted", "cleartext");
		} else if (!strcmp(ct, "22") && *hst) {
			if (is_tls13) {
				/* decrypted by tshark with the capture's key log */
				c->checked--;
				skip_row(c);
				continue;
			}
			o = take(&r, frame, TLSMON_EV_HS_MSG, hs);
			/* after ChangeCipherSpec tshark may read a message a NULL cipher
			 * left in clear; tlsmon reports the record as ciphertext */
			if (!o && hs == TLS_HS_FINISHED)
				o = take(&r, frame, TLSMON_EV_HS_MSG, 0);
			if (!o) {
				snprintf(want, sizeof(want), "handshake message %d", hs);
				missing(c, &r, t, row, frame, want);
			}
		} else {
			c->checked--;
			skip_row(c);
		}
	}
	tsv_free(t);
	dp_user_free(du);
	free(r.v);
	free(r.blob_frames);
	free(r.ends);
}

static void test_capture(void **state)
{
	const char *capture = *state;
	char tsvpath[4096];
	struct ctx c = { .capture = capture };

	snprintf(tsvpath, sizeof(tsvpath), "%s.tshark.tsv", capture);
	check_capture(&c, capture, tsvpath);
	printf("# %s: %zu messages checked, %zu left to other tests, %zu after the datapath "
	       "stopped following the connection, %zu on connections with no handshake in the "
	       "capture, %zu known reference differences\n",
	       capture, c.checked, c.skipped, c.after_end, c.untracked, c.known);
	if (c.failed) {
		print_error("%s: %zu mismatches\n%s", capture, c.failed, c.msg);
		fail();
	}
}

static void test_extra(void **state)
{
	char *spec = *state, *colon = strchr(spec, ':');
	struct ctx c = { .capture = spec };

	assert_non_null(colon);
	*colon = 0;
	check_capture(&c, spec, colon + 1);
	printf("# %s: %zu messages checked, %zu left to other tests\n", spec, c.checked, c.skipped);
	if (!c.checked) {
		print_error("%s: no message was checked\n", spec);
		fail();
	}
	if (c.failed) {
		print_error("%s: %zu mismatches\n%s", spec, c.failed, c.msg);
		fail();
	}
}

int main(void)
{
	size_t n = 0, i, k = 0;
	char **caps = corpus_captures(&n);
	const char *extra = getenv("TLSMON_ORACLE_EXTRA");
	struct CMUnitTest *tests;
	char *ex = extra ? strdup(extra) : NULL, *tok, *save = NULL;
	int rc;

	tests = calloc(n + 64, sizeof(*tests));
	for (i = 0; i < n; i++) {
		tests[k].name = caps[i] + strlen(corpus_dir()) + 1;
		tests[k].test_func = test_capture;
		tests[k].initial_state = caps[i];
		k++;
	}
	for (tok = ex ? strtok_r(ex, " ", &save) : NULL; tok && k < n + 64;
	     tok = strtok_r(NULL, " ", &save)) {
		tests[k].name = tok;
		tests[k].test_func = test_extra;
		tests[k].initial_state = tok;
		k++;
	}
	if (!k) {
		fprintf(stderr, "no captures under %s (set TLSMON_CORPUS)\n", corpus_dir());
		return 1;
	}
	rc = _cmocka_run_group_tests("parse_oracle", tests, k, NULL, NULL);
	corpus_free(caps);
	free(tests);
	free(ex);
	return rc;
}
