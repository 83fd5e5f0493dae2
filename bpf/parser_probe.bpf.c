// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The smallest program that runs the shared TLS parser on a packet: the TCP
 * payload's first record, parsed as a ClientHello or ServerHello, the result
 * left in a map.  It exists to prove the parser passes the verifier on its
 * own, and tests load it with BPF_PROG_TEST_RUN.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tls_parse.bpf.h"
#include "net_parse.h"

struct probe_out {
	__s32 rc;
	__u32 rec_len;
	struct tls_record rec;
	struct tls_client_hello ch;
	struct tls_server_hello sh;
};

struct probe_buf {
	__u8 buf[TLSP_MAX_LEN + TLSP_SLACK];
	struct tlsp_ws ws;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_buf);
} probe_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_out);
} probe_result SEC(".maps");

/* One separately verified function per message kind, as in the datapath. */
__attribute__((noinline)) int probe_ch(struct probe_buf *b, struct probe_out *o, __u32 len)
{
	if (!b || !o || len > TLSP_MAX_LEN)
		return -1;
	if (o->rec.sslv2)
		return tls_parse_sslv2_client_hello(b->buf, 0, len, &o->ch);
	return tls_parse_client_hello(b->buf, 5, len, o->rec.version, &o->ch, &b->ws);
}

__attribute__((noinline)) int probe_sh(struct probe_buf *b, struct probe_out *o, __u32 len)
{
	if (!b || !o || len > TLSP_MAX_LEN)
		return -1;
	return tls_parse_server_hello(b->buf, 5, len, o->rec.version, &o->sh, &b->ws);
}

__attribute__((noinline)) int probe_parse(struct probe_buf *b, struct probe_out *o, __u32 len)
{
	if (!b || !o || len > TLSP_MAX_LEN)
		return -1;
	o->rc = tls_parse_record_hdr(b->buf, 0, len, &o->rec);
	if (o->rc)
		return 0;
	if (o->rec.sslv2) {
		o->rc = probe_ch(b, o, len);
		return 0;
	}
	if (o->rec.type != TLS_CT_HANDSHAKE || len < 6) {
		o->rc = -TLS_ERR_NOT_TLS;
		return 0;
	}
	if (b->buf[5] == TLS_HS_CLIENT_HELLO)
		o->rc = probe_ch(b, o, len);
	else
		o->rc = probe_sh(b, o, len);
	return 0;
}

SEC("xdp")
int parser_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct np_meta m;
	struct probe_buf *b;
	struct probe_out *o;
	__u32 zero = 0, len;

	if (np_parse_eth(data, data_end, bpf_xdp_get_buff_len(ctx), &m) != NP_TCP)
		return XDP_PASS;
	b = bpf_map_lookup_elem(&probe_scratch, &zero);
	o = bpf_map_lookup_elem(&probe_result, &zero);
	if (!b || !o)
		return XDP_PASS;
	len = m.plen;
	if (len > TLSP_MAX_LEN)
		len = TLSP_MAX_LEN;
	if (len == 0)
		return XDP_PASS;
	if (bpf_xdp_load_bytes(ctx, m.poff, b->buf, len) < 0)
		return XDP_PASS;
	o->rec_len = len;
	probe_parse(b, o, len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
