// SPDX-License-Identifier: BSD-3-Clause
/*
 * --pcap-dir: the pcapng blocks (output/pcapng.c) read back by libpcap, an
 * independent reader, frame for frame and nanosecond for nanosecond; the
 * frames kept per connection (model/pktbuf.c); and the directory writer
 * (output/out_pcap.c): a file per failure only, its name and mode, the
 * bound on files and bytes, and a directory that vanishes, counted and
 * survived.
 */
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/pktbuf.h"
#include "output/out_pcap.h"
#include "output/pcapng.h"
#include "pkt.h"
#include "tlsmon.h"

static char dir[64];
static struct fingerprints fp;
static struct server_fingerprint sfp;

/* A frame of 10.0.0.1:port -> 10.0.0.2:443 with n payload bytes of value n. */
static size_t frame(uint8_t *buf, uint16_t port, size_t n, int s2c)
{
	uint8_t pl[2000];
	struct pkt_spec sp = { .family = 4, .ttl = 64, .tcp_flags = PKT_ACK | PKT_PSH,
			       .seq = 1000, .payload = pl, .len = n };

	memset(pl, (int)n, sizeof(pl));
	pkt_ip4(s2c ? sp.dst : sp.src, 10, 0, 0, 1);
	pkt_ip4(s2c ? sp.src : sp.dst, 10, 0, 0, 2);
	sp.sport = s2c ? 443 : port;
	sp.dport = s2c ? port : 443;
	return pkt_build(buf, PKT_MAX, &sp);
}

/* Every packet of a file, as libpcap reads it: the count; bytes and times checked. */
static int read_back(const char *path, const uint8_t *const *want, const size_t *want_len,
		     const uint64_t *want_ts)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	int n = 0;

	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1) {
		if (want) {
			assert_int_equal(h->caplen, want_len[n]);
			assert_memory_equal(data, want[n], want_len[n]);
			assert_int_equal((uint64_t)h->ts.tv_sec * 1000000000ull + h->ts.tv_usec,
					 want_ts[n]);
		}
		n++;
	}
	pcap_close(p);
	return n;
}

static void test_blocks_read_by_libpcap(void **state)
{
	struct pcapng_buf b = { 0 };
	uint8_t f1[PKT_MAX], f2[PKT_MAX];
	const uint8_t *want[2] = { f1, f2 };
	size_t len[2];
	uint64_t ts[2] = { 1700000000123456789ull, 1700000001000000001ull };
	char path[96];
	FILE *f;
	uint32_t blen, tail;
	size_t at;

	(void)state;
	len[0] = frame(f1, 40000, 7, 0);	/* 7: the data is padded to 4 bytes */
	len[1] = frame(f2, 40000, 100, 1);
	pcapng_shb(&b, "a section comment", "tlsmon");
	pcapng_idb(&b, PCAPNG_LINKTYPE_ETHERNET, TLSMON_PKT_MAX, "veth0");
	pcapng_epb(&b, 0, ts[0], f1, len[0], len[0], PCAPNG_EPB_INBOUND, "the first packet");
	pcapng_epb(&b, 0, ts[1], f2, 60, len[1], 0, NULL);
	assert_int_equal(b.err, 0);
	/* every block: a multiple of 4, the same length at both ends */
	for (at = 0; at < b.len; at += blen) {
		memcpy(&blen, b.p + at + 4, 4);
		assert_true(blen >= 12 && blen % 4 == 0 && at + blen <= b.len);
		memcpy(&tail, b.p + at + blen - 4, 4);
		assert_int_equal(tail, blen);
	}
	assert_int_equal(at, b.len);
	snprintf(path, sizeof(path), "%s/blocks.pcapng", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.p, 1, b.len, f), b.len);
	fclose(f);
	len[1] = 60;	/* captured: 60 of its bytes */
	assert_int_equal(read_back(path, want, len, ts), 2);
	unlink(path);
	pcapng_free(&b);
}

/* A PKT event's fixed part for 10.0.0.1:port - 10.0.0.2:443, as the datapath fills it. */
static void pkt_head(struct tlsmon_ev_pkt *e, uint16_t port, int s2c, uint64_t ts)
{
	memset(e, 0, TLSMON_PKT_HDR);
	e->h.version = TLSMON_EVENT_VERSION;
	e->h.type = TLSMON_EV_PKT;
	e->h.dir = s2c;
	e->h.hook = TLSMON_HOOK_PCAP;
	e->h.ts_ns = ts;
	e->h.family = 4;
	e->h.caddr[10] = e->h.caddr[11] = e->h.saddr[10] = e->h.saddr[11] = 0xff;
	e->h.caddr[12] = e->h.saddr[12] = 10;
	e->h.caddr[15] = 1;
	e->h.saddr[15] = 2;
	e->h.cport = port;
	e->h.sport = 443;
}

/* A PKT event as the datapath makes it. */
static void pkt_in(struct pktbuf *pb, uint16_t port, size_t n, int s2c, uint64_t ts, uint8_t fl)
{
	static struct tlsmon_ev_pkt e;
	size_t len;

	pkt_head(&e, port, s2c, ts);
	len = frame(e.data, port, n, s2c);
	e.len = (uint16_t)len;
	e.frame_len = (uint32_t)len;
	e.flags = fl;
	e.h.size = (uint16_t)(TLSMON_PKT_HDR + len);
	pktbuf_add(pb, &e, TLSMON_PKT_HDR + len);
}

static void record(struct hs_record *r, uint16_t port, uint64_t start, enum outcome o)
{
	memset(r, 0, sizeof(*r));
	r->start_ns = start;
	r->family = 4;
	r->caddr[10] = r->caddr[11] = r->saddr[10] = r->saddr[11] = 0xff;
	r->caddr[12] = r->saddr[12] = 10;
	r->caddr[15] = 1;
	r->saddr[15] = 2;
	r->cport = port;
	r->sport = 443;
	r->ifname = "test";
	r->fp = &fp;
	r->sfp = &sfp;
	r->outcome = o;
	r->kind = KIND_UNKNOWN;
	if (o == OUTCOME_FAILED) {
		r->reason = REASON_OTHER_ALERT;
		r->alerts[0] = (struct rec_alert){ .sender = SIDE_SERVER, .level = 2, .desc = 40 };
		r->n_alerts = 1;
		r->ev.alert = &r->alerts[0];
		r->ev.basis = BASIS_ALERT;
	}
}

/* A failed handshake on port: one frame of it, then its record to the writer. */
static void fail_one(struct out_pcap *op, struct pktbuf *pb, uint16_t port, uint64_t start,
		     size_t n)
{
	struct hs_record r;

	pkt_in(pb, port, n, 0, start, 0);
	record(&r, port, start, OUTCOME_FAILED);
	out_pcap_record(op, &r);
}

/* Names in dir that are not hidden, sorted; their count. */
static int list(char names[][256], int max)
{
	struct dirent **de;
	int n = scandir(dir, &de, NULL, alphasort), i, k = 0;

	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (de[i]->d_name[0] != '.' && k < max)
			snprintf(names[k++], 256, "%s", de[i]->d_name);
		free(de[i]);
	}
	free(de);
	return k;
}

static void test_failures_only(void **state)
{
	struct out_pcap_opts o = { .dir = dir, .max_files = 10, .max_bytes = 1 << 20 };
	struct pktbuf *pb = pktbuf_new(64, 1 << 20, 8);
	struct out_pcap *op = out_pcap_new(&o, pb);
	struct out_pcap_stats st;
	struct hs_record r;
	char names[4][256], path[600];
	struct stat sb;
	regex_t re;
	uint64_t t0 = 1700000000000000000ull;

	(void)state;
	/* the SYN waits aside; the flow's frames take it; past 8 a connection, capped */
	pkt_in(pb, 40001, 0, 0, t0, TLSMON_PKT_F_SYN);
	pkt_in(pb, 40001, 200, 0, t0 + 1000, 0);
	pkt_in(pb, 40001, 7, 1, t0 + 2000, 0);
	pkt_in(pb, 40002, 200, 0, t0, 0);
	pkt_in(pb, 40002, 300, 1, t0, 0);
	pkt_in(pb, 40003, 0, 0, t0, TLSMON_PKT_F_SYN);	/* SYNs are not in the 8 */
	for (int i = 0; i < 9; i++)
		pkt_in(pb, 40003, 10, 0, t0, 0);
	out_pcap_stats(op, &st);
	assert_int_equal(st.pkts.conns, 3);
	assert_int_equal(st.pkts.packets_capped, 1);
	/* established: no file, and its frames let go */
	record(&r, 40002, t0, OUTCOME_ESTABLISHED);
	out_pcap_record(op, &r);
	assert_int_equal(list(names, 4), 0);
	record(&r, 40001, t0 + 123456000, OUTCOME_FAILED);
	out_pcap_record(op, &r);
	assert_int_equal(list(names, 4), 1);
	assert_int_equal(regcomp(&re, "^20231114T221320\\.123456Z_other_alert-handshake_failure_"
				      "10\\.0\\.0\\.2_443\\.pcapng$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, names[0], 0, NULL, 0), 0);
	regfree(&re);
	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, names[0]) < (int)sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_int_equal(read_back(path, NULL, NULL, NULL), 3);	/* SYN, hello, alert */
	/* a failure whose frames were not kept: counted, no file */
	record(&r, 40009, t0, OUTCOME_FAILED);
	out_pcap_record(op, &r);
	out_pcap_stats(op, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.no_packets, 1);
	assert_int_equal(st.pkts.conns, 1);	/* 40003 still open */
	assert_int_equal(st.files, 1);
	assert_int_equal((uint64_t)sb.st_size, st.dir_bytes);
	/* the same name again (same start, server, port): -2, the first file kept */
	fail_one(op, pb, 40001, t0 + 123456000, 50);
	assert_int_equal(list(names, 4), 2);	/* "-2" sorts first */
	assert_non_null(strstr(names[0], "_443-2.pcapng"));
	assert_int_equal(read_back(path, NULL, NULL, NULL), 3);
	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, names[0]) < (int)sizeof(path));
	assert_int_equal(read_back(path, NULL, NULL, NULL), 1);
	unlink(path);
	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, names[1]) < (int)sizeof(path));
	unlink(path);
	out_pcap_free(op);
	pktbuf_free(pb);
}

static void test_bounds_and_vanishing_dir(void **state)
{
	struct out_pcap_opts o = { .dir = dir, .max_files = 2, .max_bytes = 1 << 20 };
	struct pktbuf *pb = pktbuf_new(64, 1 << 20, 8);
	struct out_pcap *op = out_pcap_new(&o, pb);
	struct out_pcap_stats st;
	char names[8][256], path[600];
	uint64_t t0 = 1700000000000000000ull;
	int i, n;

	(void)state;
	for (i = 0; i < 3; i++)
		fail_one(op, pb, 41000 + i, t0 + i * 1000000000ull, 100);
	n = list(names, 8);
	assert_int_equal(n, 2);	/* the oldest went */
	assert_non_null(strstr(names[0], "T221321."));
	assert_non_null(strstr(names[1], "T221322."));
	out_pcap_stats(op, &st);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.removed, 1);
	/* the directory vanishes: the failure is counted, tlsmon goes on */
	for (i = 0; i < n; i++) {
		assert_true(snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < (int)sizeof(path));
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
	fail_one(op, pb, 42000, t0, 100);
	out_pcap_stats(op, &st);
	assert_int_equal(st.errors[OUT_PCAP_ERR_DIR_MISSING], 1);
	assert_int_equal(st.written, 3);
	/* back: written again, and its old list forgotten */
	assert_int_equal(mkdir(dir, 0700), 0);
	fail_one(op, pb, 42001, t0, 100);
	out_pcap_stats(op, &st);
	assert_int_equal(st.written, 4);
	assert_int_equal(st.files, 1);
	assert_int_equal(list(names, 8), 1);
	/* one capture larger than the byte bound: refused, counted */
	out_pcap_free(op);
	o.max_bytes = 200;
	op = out_pcap_new(&o, pb);
	fail_one(op, pb, 42002, t0, 300);
	out_pcap_stats(op, &st);
	assert_int_equal(st.errors[OUT_PCAP_ERR_TOO_BIG], 1);
	assert_int_equal(st.written, 0);
	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, names[0]) < (int)sizeof(path));
	unlink(path);
	out_pcap_free(op);
	pktbuf_free(pb);
}

/* The byte budget of the frames kept: the least recent connection goes, counted. */
static void test_pktbuf_budget(void **state)
{
	struct pktbuf *pb = pktbuf_new(64, 3000, 8);
	struct pktbuf_stats st;
	struct pkt *p;
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		pkt_in(pb, 43000 + i, 1000, 0, i, 0);
	pktbuf_stats(pb, &st);
	assert_true(st.bytes <= 3000);
	assert_true(st.conns_evicted >= 7);
	assert_int_equal(st.conns + st.conns_evicted, 10);
	assert_null(pktbuf_take(pb, (uint8_t[16]){ [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1 },
				(uint8_t[16]){ [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 2 },
				43000, 443));
	p = pktbuf_take(pb, (uint8_t[16]){ [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1 },
			(uint8_t[16]){ [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 2 }, 43009, 443);
	assert_non_null(p);
	assert_int_equal(p->ts_ns, 9);
	pktbuf_list_free(p);
	pktbuf_free(pb);
}

/*
 * A hello frame as the datapath sends it headers-only (TLSMON_PKT_F_HELLO),
 * and with hello set the HELLO event of its packet (ts_ns + hello_dt) after it.
 */
static void hello_in(struct pktbuf *pb, uint16_t port, size_t n, uint64_t ts, int hello,
		     uint64_t hello_dt, uint8_t *full, size_t *full_len)
{
	static struct tlsmon_ev_pkt e;
	static struct tlsmon_ev_hello he;
	size_t len = frame(full, port, n, 0), poff = len - n;

	pkt_head(&e, port, TLSMON_DIR_C2S, ts);
	e.h.seq = 1000;
	e.len = (uint16_t)(poff + 5);
	e.frame_len = (uint32_t)len;
	e.flags = TLSMON_PKT_F_HELLO;
	memcpy(e.data, full, e.len);
	e.h.size = (uint16_t)(TLSMON_PKT_HDR + e.len);
	pktbuf_add(pb, &e, TLSMON_PKT_HDR + e.len);
	*full_len = len;
	if (!hello)
		return;
	memset(&he, 0, TLSMON_HELLO_HDR);
	he.h = e.h;
	he.h.type = TLSMON_EV_HELLO;
	he.h.ts_ns = ts + hello_dt;
	he.h.seq = 1005;
	he.len = (uint16_t)(n - 5);
	memcpy(he.data, full + poff + 5, he.len);
	he.h.size = (uint16_t)(TLSMON_HELLO_HDR + he.len);
	pktbuf_hello(pb, &he, TLSMON_HELLO_HDR + he.len);
}

/* The file of the one failure in dir, read whole; its name's buffer freed after. */
static char *only_file(char *path, size_t plen, size_t *size)
{
	char names[2][256];
	FILE *f;
	char *b = malloc(1 << 16);

	assert_int_equal(list(names, 2), 1);
	assert_true(snprintf(path, plen, "%s/%s", dir, names[0]) < (int)plen);
	f = fopen(path, "rb");
	assert_non_null(f);
	*size = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

/*
 * The failure of port at t0 recorded: its file holds the one frame want
 * (len bytes), and says that a hello was lost when lost is set.
 */
static void failure_file(struct out_pcap *op, uint16_t port, uint64_t t0, const uint8_t *want,
			 size_t len, int lost)
{
	const uint8_t *w[1] = { want };
	size_t wl[1] = { len }, size;
	uint64_t ts[1] = { t0 };
	struct hs_record r;
	char path[600], *b;

	record(&r, port, t0, OUTCOME_FAILED);
	out_pcap_record(op, &r);
	b = only_file(path, sizeof(path), &size);
	assert_int_equal(read_back(path, w, wl, ts), 1);
	assert_int_equal(memmem(b, size, "was lost", 8) != NULL, lost);
	free(b);
	unlink(path);
}

static void test_hello_rebuilt(void **state)
{
	struct out_pcap_opts o = { .dir = dir, .max_files = 10, .max_bytes = 1 << 20 };
	struct pktbuf *pb = pktbuf_new(64, 1 << 20, 8);
	struct out_pcap *op = out_pcap_new(&o, pb);
	struct out_pcap_stats st;
	static uint8_t full[PKT_MAX];
	size_t len;
	uint64_t t0 = 1700000000000000000ull;
	int i;

	(void)state;
	/* its HELLO event came: the frame written whole, as on the wire */
	hello_in(pb, 40001, 300, t0, 1, 0, full, &len);
	out_pcap_stats(op, &st);
	assert_int_equal(st.pkts.hellos_joined, 1);
	failure_file(op, 40001, t0, full, len, 0);
	out_pcap_stats(op, &st);
	assert_int_equal(st.rebuild_failures, 0);
	/* none came, or one of another packet: cut after the record header, said and counted */
	for (i = 0; i < 2; i++) {
		hello_in(pb, 40002, 300, t0, i, 1, full, &len);
		failure_file(op, 40002, t0, full, len - (300 - 5), 1);
		out_pcap_stats(op, &st);
		assert_int_equal(st.rebuild_failures, i + 1);
		assert_int_equal(st.pkts.hellos_joined, 1);
	}
	out_pcap_free(op);
	pktbuf_free(pb);
}

/*
 * A hello frame that rode in its HELLO event (head_len: the headers after
 * the message): kept as the frame, headers then message, as on the wire.
 * Lengths that do not add up are counted, nothing kept.
 */
static void test_hello_carries_frame(void **state)
{
	struct out_pcap_opts o = { .dir = dir, .max_files = 10, .max_bytes = 1 << 20 };
	struct pktbuf *pb = pktbuf_new(64, 1 << 20, 8);
	struct out_pcap *op = out_pcap_new(&o, pb);
	struct out_pcap_stats st;
	static uint8_t full[PKT_MAX];
	static struct tlsmon_ev_pkt e;
	static struct tlsmon_ev_hello he;
	size_t len, poff, size;
	uint64_t t0 = 1700000000000000000ull;
	struct pkt *p;

	(void)state;
	len = frame(full, 40003, 300, 0);
	poff = len - 300;
	pkt_head(&e, 40003, TLSMON_DIR_C2S, t0);
	memset(&he, 0, TLSMON_HELLO_HDR);
	he.h = e.h;
	he.h.type = TLSMON_EV_HELLO;
	he.h.seq = 1005;
	he.len = 300 - 5;
	he.head_len = (uint16_t)(poff + 5);
	memcpy(he.data, full + poff + 5, he.len);
	memcpy(he.data + he.len, full, he.head_len);
	size = TLSMON_HELLO_HDR + he.len + he.head_len;
	he.h.size = (uint16_t)size;
	/* short of its head, or a head shorter than a record header: counted, not kept */
	pktbuf_hello(pb, &he, size - 1);
	he.head_len = 4;
	pktbuf_hello(pb, &he, size);
	out_pcap_stats(op, &st);
	assert_int_equal(st.pkts.malformed, 2);
	assert_int_equal(st.pkts.packets, 0);
	assert_null(pktbuf_take(pb, e.h.caddr, e.h.saddr, 40003, 443));
	he.head_len = (uint16_t)(poff + 5);
	pktbuf_hello(pb, &he, size);
	out_pcap_stats(op, &st);
	assert_int_equal(st.pkts.packets, 1);
	assert_int_equal(st.pkts.hellos_joined, 0);	/* nothing to join: whole already */
	failure_file(op, 40003, t0, full, len, 0);
	/* the frame's own sequence number: the record header's, 5 before the message */
	pktbuf_hello(pb, &he, TLSMON_HELLO_HDR + he.len + he.head_len);
	p = pktbuf_take(pb, e.h.caddr, e.h.saddr, 40003, 443);
	assert_non_null(p);
	assert_int_equal(p->seq, 1000);
	assert_int_equal(p->len, len);
	assert_int_equal(p->frame_len, len);
	assert_int_equal(p->flags, 0);
	assert_memory_equal(p->data, full, len);
	pktbuf_list_free(p);
	out_pcap_free(op);
	pktbuf_free(pb);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tlsmon-pcapng-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_read_by_libpcap),
		cmocka_unit_test(test_failures_only),
		cmocka_unit_test(test_bounds_and_vanishing_dir),
		cmocka_unit_test(test_pktbuf_budget),
		cmocka_unit_test(test_hello_rebuilt),
		cmocka_unit_test(test_hello_carries_frame),
	};

	umask(022);
	return cmocka_run_group_tests(tests, setup, teardown);
}
