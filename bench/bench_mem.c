// SPDX-License-Identifier: BSD-3-Clause
/*
 * Memory benchmarks' helpers.
 *
 *   bench_mem maps [--max-flows N] [--ringbuf-mb N]
 *       load the datapath as tlsmon does and print what each map charges
 *       the kernel (memlock, as /proc/PID/fdinfo and bpftool report it):
 *       "map NAME TYPE MAX_ENTRIES VALUE_SIZE BYTES", then "total BYTES".
 *   bench_mem hellos N FILE [pq]
 *       write a pcap of N unanswered ClientHellos (the corpus' ~500 B one;
 *       pq: a ~1.9 KB post-quantum one, answered by a ServerHello, so each
 *       connection holds the most a whole handshake keeps), each from its
 *       own client, spread over 5 s of capture time: offline, tlsmon then
 *       follows N connections at once until the end.
 *   bench_mem quic N FILE [answered|far]
 *       the same for QUIC: N client Initials (RFC 9001's), each from its
 *       own client to UDP 443 (answered: and the server's Initial with its
 *       ServerHello, so each connection is read whole and keeps no CRYPTO
 *       buffer; far: instead of RFC 9001's, an Initial whose CRYPTO bytes
 *       sit just under QUIC_CRYPTO_MAX, so each connection's buffer grows to
 *       the most it may), spread over 5 s.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/bpf_dp.h"
#include "frames.h"
#include "quic_seal.h"
#include "quic_vectors.h"

/* the hint array is the program's .bss (bpf/tlsmon_env.bpf.h) */
static const char *const map_names[] = { "flows", ".bss", "synacks", "quic_slots", "events",
					 "counters", "scratch" };

/* A field of /proc/self/fdinfo/FD ("memlock", "max_entries", ...), or -1. */
static long long fdinfo(int fd, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static int cmd_maps(int argc, char **argv)
{
	struct bpf_dp_opts o = { .cfg = TLSMON_DP_CFG_DEFAULT, .max_flows = 65536,
				 .ringbuf_bytes = 16u << 20 };
	static const char *const types[] = { [1] = "hash", [2] = "array", [6] = "percpu_array",
					     [9] = "lru_hash", [27] = "ringbuf" };
	long long total = 0, mem, type;
	struct bpf_dp *dp;
	char err[512];
	size_t i;
	int fd;

	for (i = 0; i + 1 < (size_t)argc; i += 2) {
		if (!strcmp(argv[i], "--max-flows"))
			o.max_flows = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--ringbuf-mb"))
			o.ringbuf_bytes = strtoul(argv[i + 1], NULL, 10) << 20;
		else
			return 2;
	}
	if (bpf_dp_open(&dp, &o, NULL, NULL, err, sizeof(err))) {
		fprintf(stderr, "bench_mem: %s\n", err);
		return 1;
	}
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		fd = bpf_dp_map_fd(dp, map_names[i]);
		mem = fdinfo(fd, "memlock");
		type = fdinfo(fd, "map_type");
		if (fd < 0 || mem < 0) {
			fprintf(stderr, "bench_mem: no map %s\n", map_names[i]);
			bpf_dp_close(dp);
			return 1;
		}
		printf("map\t%s\t%s\t%lld\t%lld\t%lld\n",
		       strcmp(map_names[i], ".bss") ? map_names[i] : "hints (.bss)",
		       type > 0 && type < 28 && types[type] ? types[type] : "other",
		       fdinfo(fd, "max_entries"), fdinfo(fd, "value_size"), mem);
		total += mem;
	}
	printf("total\t%lld\n", total);
	bpf_dp_close(dp);
	return 0;
}

/* A pcap of Ethernet frames to write at path: its dumper, or NULL (said on stderr). */
static pcap_dumper_t *dump_open(const char *path, pcap_t **p)
{
	pcap_dumper_t *d;

	*p = pcap_open_dead(DLT_EN10MB, 65535);
	d = *p ? pcap_dump_open(*p, path) : NULL;
	if (!d) {
		fprintf(stderr, "bench_mem: %s: %s\n", path, *p ? pcap_geterr(*p) : "pcap");
		if (*p)
			pcap_close(*p);
	}
	return d;
}

/* One frame at ts into the capture. */
static void dump(pcap_dumper_t *d, uint64_t ts, const struct fbuf *f)
{
	struct pcap_pkthdr ph;

	ph.ts.tv_sec = ts / 1000000000ull;
	ph.ts.tv_usec = ts % 1000000000ull / 1000;
	ph.caplen = ph.len = f->n;
	pcap_dump((u_char *)d, &ph, f->b);
}

static int cmd_hellos(const char *count, const char *path, int pq)
{
	const struct fbuf *ch, *sh;
	pcap_dumper_t *d;
	unsigned long n = strtoul(count, NULL, 10), i;
	struct tuple t;
	struct fbuf f;
	uint64_t ts;
	pcap_t *p;

	if (!n || n > 16000000) {
		fprintf(stderr, "bench_mem: hellos: N from 1 to 16000000\n");
		return 2;
	}
	if (frames_init())
		return 1;
	ch = frames_hello(pq ? HELLO_CH_PQ : HELLO_CH);
	sh = frames_hello(HELLO_SH);
	d = dump_open(path, &p);
	if (!d)
		return 1;
	for (i = 0; i < n; i++) {
		frames_client(&t, i);
		frames_tcp(&f, &t, 0, PKT_PSH | PKT_ACK, 1000, 5000, ch->b, ch->n);
		ts = 1700000000000000000ull + i * (5000000000ull / n);
		dump(d, ts, &f);
		if (!pq)
			continue;
		frames_tcp(&f, &t, 1, PKT_PSH | PKT_ACK, 5000, 1000 + ch->n, sh->b, sh->n);
		dump(d, ts, &f);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

/* A client Initial with 100 CRYPTO bytes at offset QUIC_CRYPTO_MAX - 100, padded to 1200. */
static size_t far_initial(uint8_t *out, size_t cap)
{
	static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	const unsigned off = QUIC_CRYPTO_MAX - 100;
	uint8_t pl[1100] = { 0x06, 0x80, 0, off >> 8, off & 0xff, 0x40, 100 };
	struct quic_keys k;
	long n;

	if (quic_initial_keys(QUIC_V1, dcid, sizeof(dcid), 0, &k))
		return 0;
	memset(pl + 7, 0x5a, 100);
	n = quic_seal_initial(&k, QUIC_V1, dcid, sizeof(dcid), NULL, 0, 0, pl, sizeof(pl), out,
			      cap);
	return n > 0 ? n : 0;
}

/* mode: 0 the client's Initials, 1 answered, 2 far */
static int cmd_quic(const char *count, const char *path, int mode)
{
	static uint8_t ci[1300], si[1300];
	size_t cn = mode == 2 ? far_initial(ci, sizeof(ci))
			      : qv_unhex(RFC9001_CLIENT_INITIAL, ci, sizeof(ci));
	size_t sn = qv_unhex(RFC9001_SERVER_INITIAL, si, sizeof(si));
	const int answered = mode == 1;
	unsigned long n = strtoul(count, NULL, 10), i;
	uint8_t a[4], port[2];
	pcap_dumper_t *d;
	struct tuple t;
	struct fbuf f;
	uint64_t ts;
	pcap_t *p;

	if (!n || n > 16000000 || !cn) {
		fprintf(stderr, "bench_mem: quic: N from 1 to 16000000\n");
		return 2;
	}
	d = dump_open(path, &p);
	if (!d)
		return 1;
	for (i = 0; i < n; i++) {
		frames_client(&t, i);
		t.sport = 443;
		frames_udp(&f, &t, cn);
		memcpy(f.b + f.n - cn, ci, cn);
		ts = 1700000000000000000ull + i * (5000000000ull / n);
		dump(d, ts, &f);
		if (!answered)
			continue;
		/* the server's: Ethernet, IPv4 without options, UDP; addresses and ports swapped */
		frames_udp(&f, &t, sn);
		memcpy(f.b + f.n - sn, si, sn);
		memcpy(a, f.b + 26, 4);
		memcpy(f.b + 26, f.b + 30, 4);
		memcpy(f.b + 30, a, 4);
		memcpy(port, f.b + 34, 2);
		memcpy(f.b + 34, f.b + 36, 2);
		memcpy(f.b + 36, port, 2);
		dump(d, ts + 1000, &f);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "maps"))
		return cmd_maps(argc - 2, argv + 2);
	if ((argc == 4 || (argc == 5 && !strcmp(argv[4], "pq"))) && !strcmp(argv[1], "hellos"))
		return cmd_hellos(argv[2], argv[3], argc == 5);
	if (argc == 4 && !strcmp(argv[1], "quic"))
		return cmd_quic(argv[2], argv[3], 0);
	if (argc == 5 && !strcmp(argv[1], "quic") &&
	    (!strcmp(argv[4], "answered") || !strcmp(argv[4], "far")))
		return cmd_quic(argv[2], argv[3], !strcmp(argv[4], "answered") ? 1 : 2);
	fprintf(stderr, "usage: bench_mem maps [--max-flows N] [--ringbuf-mb N]\n"
		"       bench_mem hellos N FILE [pq]\n"
		"       bench_mem quic N FILE [answered|far]\n");
	return 2;
}
