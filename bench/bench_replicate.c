// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench_replicate IN OUT BYTES
 *
 * Write OUT, a pcap of at least BYTES bytes made of copies of the capture
 * IN, each copy its own connections: copy k (k >= 1) has the last two
 * octets of every IPv4 address XORed with k (so both directions of a
 * connection move together and no two copies share a 4-tuple), its IPv4
 * and TCP checksums updated to match, and its times shifted past the end of
 * the copy before, so connections of different copies are never open at
 * once.  The offline benchmark's large capture of distinct connections.
 * Frames that are not Ethernet/IPv4 are copied unchanged.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COPIES 65535

struct frame {
	struct pcap_pkthdr h;
	uint8_t *b;
};

/* RFC 1624: the one's-complement checksum at *ck, a 16-bit word old -> new. */
static void csum_update(uint8_t *ck, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~((ck[0] << 8) | ck[1]);

	s += (uint16_t)~old;
	s += new;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	ck[0] = s >> 8;
	ck[1] = s;
}

/* Copy k of an Ethernet/IPv4 frame, in place (see the top). */
static void rewrite(uint8_t *b, uint32_t caplen, unsigned k)
{
	uint8_t *ip, *tcp = NULL;
	uint16_t old, new;
	uint32_t ihl;
	int a;

	if (caplen < 14 + 20 || b[12] != 0x08 || b[13] != 0x00)
		return;
	ip = b + 14;
	ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || caplen < 14 + ihl)
		return;
	/* TCP's checksum covers the addresses too; only a first fragment has it */
	if (ip[9] == 6 && !(((ip[6] << 8) | ip[7]) & 0x1fff) && caplen >= 14 + ihl + 18)
		tcp = ip + ihl;
	for (a = 12; a <= 16; a += 4) {
		/* the address's last two octets: a 16-bit word of both checksums */
		old = (ip[a + 2] << 8) | ip[a + 3];
		new = old ^ (uint16_t)k;
		ip[a + 2] = new >> 8;
		ip[a + 3] = new;
		csum_update(ip + 10, old, new);
		if (tcp)
			csum_update(tcp + 16, old, new);
	}
}

static int read_all(const char *path, struct frame **out, size_t *n, int *linktype)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct frame *v = NULL, *nv;
	size_t cap = 0;
	pcap_t *p = pcap_open_offline(path, err);
	int r;

	if (!p) {
		fprintf(stderr, "bench_replicate: %s: %s\n", path, err);
		return -1;
	}
	*linktype = pcap_datalink(p);
	*n = 0;
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto oom;
			v = nv;
		}
		v[*n].h = *h;
		v[*n].b = malloc(h->caplen ? h->caplen : 1);
		if (!v[*n].b)
			goto oom;
		memcpy(v[*n].b, d, h->caplen);
		(*n)++;
	}
	if (r == -1)
		fprintf(stderr, "bench_replicate: %s: %s (read what came before)\n", path,
			pcap_geterr(p));
	pcap_close(p);
	*out = v;
	return *n ? 0 : -1;
oom:
	fprintf(stderr, "bench_replicate: out of memory\n");
	pcap_close(p);
	return -1;
}

int main(int argc, char **argv)
{
	struct frame *v;
	size_t n, i;
	unsigned long long want, written = 24;
	uint64_t span, first, last, shift;
	uint8_t *buf = NULL;
	uint32_t bufcap = 0;
	pcap_dumper_t *d;
	pcap_t *dead;
	unsigned k;
	int lt;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_replicate IN OUT BYTES\n");
		return 2;
	}
	errno = 0;
	want = strtoull(argv[3], NULL, 10);
	if (errno || !want) {
		fprintf(stderr, "bench_replicate: BYTES: a positive number\n");
		return 2;
	}
	if (read_all(argv[1], &v, &n, &lt))
		return 1;
	if (lt != DLT_EN10MB) {
		fprintf(stderr, "bench_replicate: %s: Ethernet captures only\n", argv[1]);
		return 1;
	}
	first = (uint64_t)v[0].h.ts.tv_sec * 1000000 + v[0].h.ts.tv_usec;
	last = first;
	for (i = 0; i < n; i++) {
		uint64_t t = (uint64_t)v[i].h.ts.tv_sec * 1000000 + v[i].h.ts.tv_usec;

		if (t > last)
			last = t;
	}
	span = last - first + 60 * 1000000ull;	/* a minute apart: past every timeout */
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	d = dead ? pcap_dump_open(dead, argv[2]) : NULL;
	if (!d) {
		fprintf(stderr, "bench_replicate: %s: %s\n", argv[2], dead ? pcap_geterr(dead) : "");
		return 1;
	}
	for (k = 0; written < want && k <= MAX_COPIES; k++) {
		shift = span * k;
		for (i = 0; i < n; i++) {
			struct pcap_pkthdr h = v[i].h;
			uint64_t t = (uint64_t)h.ts.tv_sec * 1000000 + h.ts.tv_usec + shift;

			if (h.caplen > bufcap) {
				free(buf);
				bufcap = h.caplen;
				buf = malloc(bufcap);
				if (!buf) {
					fprintf(stderr, "bench_replicate: out of memory\n");
					return 1;
				}
			}
			memcpy(buf, v[i].b, h.caplen);
			if (k)
				rewrite(buf, h.caplen, k);
			h.ts.tv_sec = t / 1000000;
			h.ts.tv_usec = t % 1000000;
			pcap_dump((u_char *)d, &h, buf);
			written += 16 + h.caplen;
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	printf("copies\t%u\nframes\t%zu\nbytes\t%llu\n", k, n * k, written);
	return 0;
}
