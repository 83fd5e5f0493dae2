// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"
#include "frames.h"

static const struct {
	const char *rel;
	uint64_t frame;
	size_t min, max;	/* what "~500 B", "~1.8 KB" mean here */
} hello_src[HELLO_MAX] = {
	[HELLO_CH] = { "ja4/tls3.pcapng", 63, 400, 700 },
	[HELLO_CH_PQ] = { "suricata/tls-fin-close-data-01/debug-s13.pcap", 4, 1700, 2100 },
	[HELLO_SH] = { "ja4/tls3.pcapng", 65, 80, 200 },
};

static struct fbuf hellos[HELLO_MAX];

int frames_init(void)
{
	char err[256];
	long n;
	int i;

	for (i = 0; i < HELLO_MAX; i++) {
		n = corpus_tcp_payload(hello_src[i].rel, hello_src[i].frame, 0, hellos[i].b,
				       sizeof(hellos[i].b), err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "bench: %s (set TLSMON_CORPUS)\n", err);
			return -1;
		}
		hellos[i].n = n;
		if (hellos[i].n < hello_src[i].min || hellos[i].n > hello_src[i].max) {
			fprintf(stderr, "bench: %s frame %llu: no hello of the expected size (%zu B)\n",
				hello_src[i].rel, (unsigned long long)hello_src[i].frame, hellos[i].n);
			return -1;
		}
	}
	return 0;
}

const struct fbuf *frames_hello(enum bench_hello h)
{
	return &hellos[h];
}

const char *frames_hello_source(enum bench_hello h)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s frame %llu", hello_src[h].rel,
		 (unsigned long long)hello_src[h].frame);
	return buf;
}

static void spec_of(struct pkt_spec *s, const struct tuple *t, int from_server)
{
	memset(s, 0, sizeof(*s));
	s->family = 4;
	memcpy(s->src, from_server ? t->srv : t->cli, 4);
	memcpy(s->dst, from_server ? t->cli : t->srv, 4);
	s->sport = from_server ? t->sport : t->cport;
	s->dport = from_server ? t->cport : t->sport;
	s->ttl = from_server ? 53 : 64;
	s->ip_id = 0x1234;
	s->win = 502;
}

size_t frames_tcp(struct fbuf *out, const struct tuple *t, int from_server, uint8_t flags,
		  uint32_t seq, uint32_t ack, const void *payload, size_t len)
{
	struct pkt_spec s;

	spec_of(&s, t, from_server);
	s.tcp_flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.payload = payload;
	s.len = len;
	out->n = pkt_build(out->b, sizeof(out->b), &s);
	if (!out->n) {
		fprintf(stderr, "bench: a %zu-byte payload does not fit in a frame\n", len);
		abort();
	}
	return out->n;
}

size_t frames_udp(struct fbuf *out, const struct tuple *t, size_t payload_len)
{
	static const uint8_t zeros[PKT_MAX];
	struct pkt_spec s;

	spec_of(&s, t, 0);
	s.udp = 1;
	s.payload = zeros;
	s.len = payload_len;
	out->n = pkt_build(out->b, sizeof(out->b), &s);
	if (!out->n)
		abort();
	return out->n;
}

void frames_client(struct tuple *t, uint32_t i)
{
	uint32_t host = i / 60000;

	t->cli[0] = 10;
	t->cli[1] = 200 + (host >> 16 & 0x3f);
	t->cli[2] = host >> 8;
	t->cli[3] = host;
	t->srv[0] = 10;
	t->srv[1] = 77;
	t->srv[2] = 2;
	t->srv[3] = 2;
	t->cport = 1024 + i % 60000;
	t->sport = 443;
}

void fb_put(struct fbuf *d, const void *p, size_t n)
{
	if (d->n + n > sizeof(d->b))
		abort();
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

void fb_rec_hdr(struct fbuf *d, uint8_t type, size_t len)
{
	uint8_t h[5] = { type, 3, 3, len >> 8, len };

	fb_put(d, h, 5);
}
