// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "lib/log.h"
#include "source/pcap_src.h"

/* Link types by number: pcap headers of some versions lack the newer ones. */
#define LT_NULL 0
#define LT_EN10MB 1
#define LT_RAW 101
#define LT_LOOP 108
#define LT_LINUX_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_LINUX_SLL2 276
#define LT_RAW_OPENBSD 12
#define LT_RAW_ALT 14

#define FRAME_MAX (256 * 1024)
/*
 * Frames start this far into an aligned buffer, as NIC drivers place them
 * (NET_IP_ALIGN): the IP header after 14 bytes of Ethernet is then 4-byte
 * aligned, as the datapath's struct reads of it require.
 */
#define FRAME_ALIGN 2

struct pcap_src {
	pcap_t *p;
	int linktype;
	int tsprec;	/* ns per tick of the file's timestamps */
	struct pcap_src_stats st;
	volatile sig_atomic_t *stop;	/* NULL: read to the end */
	uint8_t buf[FRAME_ALIGN + 14 + FRAME_MAX] __attribute__((aligned(8)));
};

/* A gzip-compressed capture is inflated into an unlinked temporary file; gz is closed. */
static FILE *gunzip_to_tmp(gzFile gz, const char *path, char *errbuf, size_t errlen)
{
	char buf[65536];
	FILE *f;
	int n;

	if (!gz) {
		snprintf(errbuf, errlen, "%s: cannot open", path);
		return NULL;
	}
	f = tmpfile();
	if (!f) {
		snprintf(errbuf, errlen, "%s: cannot create a temporary file to inflate into", path);
		gzclose(gz);
		return NULL;
	}
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		if (fwrite(buf, 1, n, f) != (size_t)n) {
			snprintf(errbuf, errlen, "%s: cannot write the inflated capture", path);
			n = -1;
			break;
		}
	}
	if (n < 0) {
		if (!*errbuf)
			snprintf(errbuf, errlen, "%s: corrupt gzip data", path);
		gzclose(gz);
		fclose(f);
		return NULL;
	}
	gzerror(gz, &n);
	if (n == Z_BUF_ERROR)
		pr_warn("%s: the gzip data ends early (a cut file?); reading what it holds", path);
	gzclose(gz);
	rewind(f);
	return f;
}

static int is_gzip(const char *path)
{
	unsigned char m[2] = { 0, 0 };
	FILE *f;

	if (!strcmp(path, "-"))
		return 0;	/* stdin cannot be peeked and rewound */
	f = fopen(path, "rb");
	if (!f)
		return 0;
	if (fread(m, 1, 2, f) != 2)
		m[0] = 0;
	fclose(f);
	return m[0] == 0x1f && m[1] == 0x8b;
}

/* The part common to every way in: p is the open capture (NULL: perr says why). */
static struct pcap_src *open_done(struct pcap_src *ps, const char *name, const char *perr,
				  char *errbuf, size_t errlen)
{
	if (!ps->p) {
		size_t n = strlen(name);

		/* libpcap names the file itself when it cannot open it */
		if (!*errbuf && !strncmp(perr, name, n) && perr[n] == ':')
			snprintf(errbuf, errlen, "%s", perr);
		else if (!*errbuf)
			snprintf(errbuf, errlen, "%s: %s", name, perr);
		free(ps);
		return NULL;
	}
	ps->tsprec = pcap_get_tstamp_precision(ps->p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	ps->linktype = pcap_datalink(ps->p);
	switch (ps->linktype) {
	case LT_NULL:
	case LT_EN10MB:
	case LT_RAW:
	case LT_RAW_OPENBSD:
	case LT_RAW_ALT:
	case LT_LOOP:
	case LT_LINUX_SLL:
	case LT_IPV4:
	case LT_IPV6:
	case LT_LINUX_SLL2:
		break;
	default:
		snprintf(errbuf, errlen, "%s: link type %s (%d) is not supported; tlsmon reads "
			 "Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD loopback captures",
			 name, pcap_datalink_val_to_name(ps->linktype) ?: "unknown", ps->linktype);
		pcap_close(ps->p);
		free(ps);
		return NULL;
	}
	return ps;
}

/* Nanosecond timestamps when the file has them, microseconds scaled otherwise. */
static pcap_t *open_stream(FILE *f, char *perr)
{
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);

	if (!p)
		fclose(f);
	return p;
}

struct pcap_src *pcap_src_open(const char *path, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct pcap_src *ps = calloc(1, sizeof(*ps));
	FILE *f;

	if (!ps) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	*errbuf = 0;
	if (is_gzip(path)) {
		f = gunzip_to_tmp(gzopen(path, "rb"), path, errbuf, errlen);
		if (f)
			ps->p = open_stream(f, perr);
	} else {
		ps->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	}
	return open_done(ps, path, perr, errbuf, errlen);
}

struct pcap_src *pcap_src_open_fd(int fd, const char *name, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct pcap_src *ps = calloc(1, sizeof(*ps));
	unsigned char m[2] = { 0, 0 };
	off_t at = lseek(fd, 0, SEEK_CUR);
	gzFile gz;
	FILE *f;

	if (!ps) {
		snprintf(errbuf, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	*errbuf = 0;
	/* only what can be peeked at without reading it is recognised as gzip (not a pipe) */
	if (at >= 0 && pread(fd, m, 2, at) == 2 && m[0] == 0x1f && m[1] == 0x8b) {
		gz = gzdopen(fd, "rb");
		if (!gz)
			close(fd);
		f = gunzip_to_tmp(gz, name, errbuf, errlen);
	} else {
		f = fdopen(fd, "rb");
		if (!f) {
			snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
			close(fd);
		}
	}
	if (f)
		ps->p = open_stream(f, perr);
	return open_done(ps, name, perr, errbuf, errlen);
}

const char *pcap_src_linktype(const struct pcap_src *ps)
{
	return pcap_datalink_val_to_name(ps->linktype) ?: "unknown";
}

static uint16_t ethertype_of_ip(const uint8_t *p, uint32_t len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return 0x0800;
	case 6:
		return 0x86dd;
	}
	return 0;
}

/* Build an Ethernet frame from a capture record; returns its length or 0. */
static uint32_t frame_of(struct pcap_src *ps, const uint8_t *pkt, uint32_t caplen)
{
	uint32_t hl = 0, et = 0;
	uint8_t *b = ps->buf + FRAME_ALIGN;

	switch (ps->linktype) {
	case LT_EN10MB:
		if (caplen > FRAME_MAX + 14)
			return 0;
		memcpy(b, pkt, caplen);
		return caplen;
	case LT_NULL:
	case LT_LOOP:
		/* 4-byte address family, host order (NULL) or network order (LOOP) */
		if (caplen < 4)
			return 0;
		hl = 4;
		et = ethertype_of_ip(pkt + 4, caplen - 4);
		break;
	case LT_RAW:
	case LT_RAW_OPENBSD:
	case LT_RAW_ALT:
	case LT_IPV4:
	case LT_IPV6:
		et = ethertype_of_ip(pkt, caplen);
		break;
	case LT_LINUX_SLL:
		/* 16 bytes: packet type, ARPHRD, addr len, addr[8], protocol */
		if (caplen < 16)
			return 0;
		hl = 16;
		et = (pkt[14] << 8) | pkt[15];
		break;
	case LT_LINUX_SLL2:
		/* 20 bytes: protocol first */
		if (caplen < 20)
			return 0;
		hl = 20;
		et = (pkt[0] << 8) | pkt[1];
		break;
	}
	if (!et || caplen - hl > FRAME_MAX)
		return 0;
	memset(b, 0, 12);
	b[12] = et >> 8;
	b[13] = et & 0xff;
	memcpy(b + 14, pkt + hl, caplen - hl);
	return 14 + caplen - hl;
}

int pcap_src_run(struct pcap_src *ps, pcap_src_fn fn, void *ctx, char *errbuf, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	uint64_t ts;
	uint32_t len;
	int r;

	for (;;) {
		/* between any two reads, whatever the last one gave */
		if (ps->stop && *ps->stop)
			return 0;
		r = pcap_next_ex(ps->p, &h, &pkt);
		if (r == PCAP_ERROR_BREAK)
			return 0;
		/* a read the signal interrupted (EINTR) is no error of the capture */
		if (r == PCAP_ERROR && ps->stop && *ps->stop)
			return 0;
		if (r == PCAP_ERROR) {
			/* a capture cut mid-record ends here: report, keep what was read */
			snprintf(errbuf, errlen, "read error after %llu frames: %s",
				 (unsigned long long)ps->st.frames, pcap_geterr(ps->p));
			return -1;
		}
		if (r != 1)
			continue;
		ps->st.frames++;
		if (h->caplen < h->len)
			ps->st.truncated++;
		len = frame_of(ps, pkt, h->caplen);
		if (!len) {
			if (h->caplen > FRAME_MAX)
				ps->st.oversize++;
			else
				ps->st.unsupported++;
			continue;
		}
		ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * ps->tsprec;
		ps->st.delivered++;
		if (fn(ctx, ps->st.frames, ts, ps->buf + FRAME_ALIGN, len, h->len))
			return 0;
	}
}

void pcap_src_stop_on(struct pcap_src *ps, volatile sig_atomic_t *stop)
{
	ps->stop = stop;
}

const struct pcap_src_stats *pcap_src_stats(const struct pcap_src *ps)
{
	return &ps->st;
}

void pcap_src_close(struct pcap_src *ps)
{
	if (!ps)
		return;
	pcap_close(ps->p);
	free(ps);
}
