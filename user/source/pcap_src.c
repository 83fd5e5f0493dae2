// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
 * An Ethernet capture's frames go to the datapath where libpcap read them,
 * not copied: the userspace datapath reads headers through types of
 * alignment 1 (net_parse.h), as a tunnel's inner headers need anyway.  A
 * frame of another link type gets an Ethernet header built in front of it
 * in ps->buf, this far into the buffer, as NIC drivers place frames
 * (NET_IP_ALIGN).
 */
#define FRAME_ALIGN 2
#define STREAM_BUF (256 * 1024)	/* a read() per this much of the capture */

struct pcap_src {
	pcap_t *p;
	int linktype;
	int tsprec;	/* ns per tick of the file's timestamps */
	struct pcap_src_stats st;
	volatile sig_atomic_t *stop;	/* NULL: read to the end */
	void (*on_read)(void *);	/* before each read of the input */
	void *on_read_ctx;
	uint8_t buf[FRAME_ALIGN + 14 + FRAME_MAX] __attribute__((aligned(8)));
	/* the stream's stdio buffer: glibc sizes its own 8 KiB, whatever setvbuf asks */
	char iobuf[STREAM_BUF];
};

/*
 * The capture as libpcap reads it, from a descriptor opened once (a FIFO or
 * a pipe can be read only once): the bytes looked at to recognise gzip come
 * first, then the rest of the descriptor, inflated when it is gzip.
 */
struct stream {
	int fd;
	char *name;
	const struct pcap_src *ps;	/* its stop flag */
	uint8_t head[2];		/* read to recognise gzip, replayed */
	size_t head_len, head_off;
	int gz;				/* inflating */
	int gz_end;			/* no more to inflate */
	int may_wait;			/* a pipe, a FIFO, a socket: not a regular file */
	z_stream z;
	uint8_t in[65536];
};

/* The descriptor's bytes, the head first; 0 at its end, -1 with errno. */
static ssize_t raw_read(struct stream *st, void *buf, size_t len)
{
	ssize_t n;

	if (st->head_off < st->head_len) {
		n = st->head_len - st->head_off < len ? st->head_len - st->head_off : len;
		memcpy(buf, st->head + st->head_off, n);
		st->head_off += n;
		return n;
	}
	if (st->may_wait && st->ps->on_read)
		st->ps->on_read(st->ps->on_read_ctx);
	for (;;) {
		n = read(st->fd, buf, len);
		/* a signal that stops the run ends a read waiting on a pipe */
		if (n < 0 && errno == EINTR && !(st->ps->stop && *st->ps->stop))
			continue;
		return n;
	}
}

/* More input for inflate; 0 at the end of the descriptor, -1 with errno. */
static ssize_t gz_fill(struct stream *st)
{
	ssize_t n = raw_read(st, st->in, sizeof(st->in));

	if (n > 0) {
		st->z.next_in = st->in;
		st->z.avail_in = n;
	}
	return n;
}

static ssize_t gz_read(struct stream *st, char *buf, size_t size)
{
	uInt want = size > UINT_MAX ? UINT_MAX : size;
	ssize_t n;
	int r;

	if (st->gz_end)
		return 0;
	st->z.next_out = (Bytef *)buf;
	st->z.avail_out = want;
	/* until something came out */
	while (st->z.avail_out == want) {
		if (!st->z.avail_in) {
			n = gz_fill(st);
			if (n < 0)
				return -1;
			if (!n) {
				pr_warn("%s: the gzip data ends early (a cut file?); reading what it holds",
					st->name);
				st->gz_end = 1;
				break;
			}
		}
		r = inflate(&st->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			/* another member may follow (gzip files concatenated); anything else ends it */
			if (!st->z.avail_in && gz_fill(st) <= 0) {
				st->gz_end = 1;
				break;
			}
			if (st->z.next_in[0] != 0x1f || inflateReset(&st->z) != Z_OK) {
				st->gz_end = 1;
				break;
			}
			continue;
		}
		if (r != Z_OK) {
			pr_warn("%s: corrupt gzip data (%s)", st->name, st->z.msg ?: "inflate failed");
			st->gz_end = 1;
			errno = EIO;
			return -1;
		}
	}
	return want - st->z.avail_out;
}

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
	struct stream *st = cookie;

	return st->gz ? gz_read(st, buf, size) : raw_read(st, buf, size);
}

static int stream_close(void *cookie)
{
	struct stream *st = cookie;

	if (st->gz)
		inflateEnd(&st->z);
	close(st->fd);
	free(st->name);
	free(st);
	return 0;
}

/* fd (taken over) as a FILE for libpcap, gzip recognised; NULL with errbuf set. */
static FILE *stream_open(int fd, const char *name, struct pcap_src *ps, char *errbuf,
			 size_t errlen)
{
	static const cookie_io_functions_t io = { .read = stream_read, .close = stream_close };
	struct stream *st = calloc(1, sizeof(*st));
	struct stat sb;
	off_t start = -1;
	ssize_t n;
	FILE *f;
	int gz;

	if (!st || !(st->name = strdup(name))) {
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	st->fd = fd;
	st->ps = ps;
	/* a regular file's reads do not wait for a writer: nothing to hand on before them */
	st->may_wait = fstat(fd, &sb) || !S_ISREG(sb.st_mode);
	if (!st->may_wait)
		start = lseek(fd, 0, SEEK_CUR);	/* stdin may start past the file's first byte */
	/* the first two bytes, however the stream hands them over */
	while (st->head_len < 2) {
		n = raw_read(st, st->head + st->head_len, 2 - st->head_len);
		if (n < 0) {
			snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
			goto fail;
		}
		if (!n)
			break;
		st->head_len += n;
	}
	gz = st->head_len == 2 && st->head[0] == 0x1f && st->head[1] == 0x8b;
	/*
	 * A regular file, not gzip: libpcap reads it through stdio's own file
	 * functions, which copy a frame out of the buffer faster than a cookie
	 * stream's generic ones.  It is read again from where it started.
	 */
	if (start >= 0 && !gz && lseek(fd, start, SEEK_SET) == start && (f = fdopen(fd, "rb"))) {
		free(st->name);
		free(st);
		goto buffered;
	}
	if (gz) {
		if (inflateInit2(&st->z, 16 + MAX_WBITS) != Z_OK) {
			snprintf(errbuf, errlen, "%s: cannot start inflating", name);
			goto fail;
		}
		st->gz = 1;
	}
	f = fopencookie(st, "rb", io);
	if (!f) {
		snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
		if (st->gz)
			inflateEnd(&st->z);
		goto fail;
	}
buffered:
	/* ps outlives f: pcap_src_close() frees it after pcap_close() */
	setvbuf(f, ps->iobuf, _IOFBF, sizeof(ps->iobuf));
	/* read by one thread only (libpcap, in pcap_src_run): two freads a frame, no lock */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	return f;
fail:
	if (st)
		free(st->name);
	free(st);
	close(fd);
	return NULL;
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

struct pcap_src *pcap_src_open_fd(int fd, const char *name, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct pcap_src *ps = calloc(1, sizeof(*ps));
	FILE *f;

	if (!ps) {
		snprintf(errbuf, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	*errbuf = 0;
	f = stream_open(fd, name, ps, errbuf, errlen);
	if (f)
		ps->p = open_stream(f, perr);
	return open_done(ps, name, perr, errbuf, errlen);
}

struct pcap_src *pcap_src_open(const char *path, char *errbuf, size_t errlen)
{
	int fd;

	/* opened once: a FIFO or a process substitution cannot be opened again */
	if (!strcmp(path, "-"))
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return pcap_src_open_fd(fd, path, errbuf, errlen);
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

/*
 * The Ethernet frame of a capture record: *frame, and its length; 0 when
 * there is none.  An Ethernet record is its own frame; others are built in
 * ps->buf.
 */
static uint32_t frame_of(struct pcap_src *ps, const uint8_t *pkt, uint32_t caplen,
			 const uint8_t **frame)
{
	uint32_t hl = 0, et = 0;
	uint8_t *b = ps->buf + FRAME_ALIGN;

	*frame = b;
	switch (ps->linktype) {
	case LT_EN10MB:
		if (caplen > FRAME_MAX + 14)
			return 0;
		*frame = pkt;
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
	const uint8_t *frame;
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
		len = frame_of(ps, pkt, h->caplen, &frame);
		if (!len) {
			if (h->caplen > FRAME_MAX)
				ps->st.oversize++;
			else
				ps->st.unsupported++;
			continue;
		}
		ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * ps->tsprec;
		ps->st.delivered++;
		if (fn(ctx, ps->st.frames, ts, frame, len, h->len))
			return 0;
	}
}

void pcap_src_on_read(struct pcap_src *ps, void (*fn)(void *), void *ctx)
{
	ps->on_read = fn;
	ps->on_read_ctx = ctx;
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
