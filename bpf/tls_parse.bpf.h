/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS parser (headers/tls_parse.h) as BPF code includes it: each hello's
 * extension block is a parse stage (TLSP_STAGE), here a separately verified
 * (global) function, so the verifier checks it once and not once per path
 * into it.  Verifier workaround: a hello parsed with its extensions inline
 * exceeds the verifier's budget inside the datapath.
 *
 * A stage's buffer must be the start of TLSP_MAX_LEN + TLSP_SLACK bytes (the
 * size of struct tlsp_bpf_buf): a global function's pointer argument gives
 * the verifier the size of the memory behind it, so this type is its bound.
 * The argument order (buffer, workspace, output, window) is the one the
 * verifier handles cheapest: the other way round it processes 12% more
 * instructions.
 */
#ifndef TLSMON_TLS_PARSE_BPF_H
#define TLSMON_TLS_PARSE_BPF_H

#include <linux/types.h>

struct tlsp_bpf_buf;
struct tlsp_ws;
struct tls_client_hello;
struct tls_server_hello;
__attribute__((noinline)) int tlsp_ch_exts_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					     struct tls_client_hello *ch, __u32 off, __u32 end);
__attribute__((noinline)) int tlsp_sh_exts_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					     struct tls_server_hello *sh, __u32 off, __u32 end);
#define TLSP_STAGE(fn, b, off, end, hello, ws) \
	fn##_g((struct tlsp_bpf_buf *)(b), (ws), (hello), (off), (end))

#include "tls_parse.h"

struct tlsp_bpf_buf {
	__u8 buf[TLSP_MAX_LEN + TLSP_SLACK];
};

__attribute__((noinline)) int tlsp_ch_exts_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					     struct tls_client_hello *ch, __u32 off, __u32 end)
{
	if (!in || !ws || !ch || end > TLSP_MAX_LEN)
		return -TLS_ERR_TOO_LONG;
	return tlsp_ch_exts(in->buf, off, end, ch, ws);
}

__attribute__((noinline)) int tlsp_sh_exts_g(struct tlsp_bpf_buf *in, struct tlsp_ws *ws,
					     struct tls_server_hello *sh, __u32 off, __u32 end)
{
	if (!in || !ws || !sh || end > TLSP_MAX_LEN)
		return -TLS_ERR_TOO_LONG;
	return tlsp_sh_exts(in->buf, off, end, sh, ws);
}

#endif /* TLSMON_TLS_PARSE_BPF_H */
