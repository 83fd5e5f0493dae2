// SPDX-License-Identifier: BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/esc.h"
#include "lib/log.h"
#include "lib/tls_names.h"
#include "model/diag.h"
#include "output/out_pcap.h"
#include "output/pcapng.h"
#include "tlsmon.h"

#define MAX_IFACES 8
#define COMMENT_MAX 4096
#define LOST_HELLO                                                                      \
	"tlsmon: frame cut after the record header: its hello message, sent apart by the " \
	"datapath, was lost"

struct pfile {
	char *name;
	uint64_t size;
};

struct out_pcap {
	char *dir;
	struct out_pcap_opts o;
	struct pktbuf *pb;
	struct pcapng_buf buf;
	struct pfile *files;		/* ours in DIR, oldest (least name) first */
	uint32_t n_files, cap_files;
	int listed;			/* files[] read from DIR; 0: read it at the next write */
	dev_t dev;			/* DIR as listed: another one there is listed again */
	ino_t ino;
	int last_err;			/* said once until it changes */
	struct out_pcap_stats st;
};

static const char *const err_names[OUT_PCAP_ERR_MAX] = {
	[OUT_PCAP_ERR_DIR_MISSING] = "dir_missing", [OUT_PCAP_ERR_NO_SPACE] = "no_space",
	[OUT_PCAP_ERR_DENIED] = "denied", [OUT_PCAP_ERR_TOO_BIG] = "too_big",
	[OUT_PCAP_ERR_NO_MEMORY] = "no_memory", [OUT_PCAP_ERR_OTHER] = "other",
};

const char *out_pcap_err_name(enum out_pcap_err e)
{
	return e < OUT_PCAP_ERR_MAX ? err_names[e] : "other";
}

struct out_pcap *out_pcap_new(const struct out_pcap_opts *o, struct pktbuf *pb)
{
	struct out_pcap *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->o = *o;
	op->dir = strdup(o->dir);
	op->pb = pb;
	if (!op->dir) {
		free(op);
		return NULL;
	}
	op->o.dir = op->dir;
	return op;
}

static void files_clear(struct out_pcap *op)
{
	uint32_t i;

	for (i = 0; i < op->n_files; i++)
		free(op->files[i].name);
	op->n_files = 0;
	op->st.dir_bytes = 0;
}

void out_pcap_free(struct out_pcap *op)
{
	if (!op)
		return;
	files_clear(op);
	free(op->files);
	pcapng_free(&op->buf);
	free(op->dir);
	free(op);
}

/* One of ours: 20261206T044553.123456Z_<reason>_<server>_<port>[-N].pcapng */
static int ours(const char *n)
{
	size_t len = strlen(n), i;

	if (len < 24 + 7 || strcmp(n + len - 7, ".pcapng") || n[8] != 'T' || n[15] != '.' ||
	    n[22] != 'Z' || n[23] != '_')
		return 0;
	for (i = 0; i < 22; i++)
		if (i != 8 && i != 15 && (n[i] < '0' || n[i] > '9'))
			return 0;
	return 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pfile *)a)->name, ((const struct pfile *)b)->name);
}

static int file_add(struct out_pcap *op, const char *name, uint64_t size)
{
	struct pfile *more;
	uint32_t cap;

	if (op->n_files == op->cap_files) {
		cap = op->cap_files ? 2 * op->cap_files : 64;
		more = realloc(op->files, cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		op->files = more;
		op->cap_files = cap;
	}
	op->files[op->n_files].name = strdup(name);
	if (!op->files[op->n_files].name)
		return -ENOMEM;
	op->files[op->n_files++].size = size;
	op->st.dir_bytes += size;
	return 0;
}

/* What DIR holds of ours (a previous run's files count too); stale temporary files go. */
static int files_list(struct out_pcap *op, int dfd)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	files_clear(op);
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, ".tlsmon-", 8) && strstr(de->d_name, ".pcapng.tmp")) {
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (!ours(de->d_name) || fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (file_add(op, de->d_name, (uint64_t)sb.st_size))
			break;
	}
	closedir(d);
	if (op->n_files > 1)
		qsort(op->files, op->n_files, sizeof(*op->files), by_name);
	return 0;
}

/* The oldest of ours go until one more file of size bytes fits both bounds. */
static void make_room(struct out_pcap *op, int dfd, uint64_t size)
{
	uint32_t n = 0;

	while (n < op->n_files && (op->n_files - n + 1 > op->o.max_files ||
				   op->st.dir_bytes + size > op->o.max_bytes)) {
		if (!unlinkat(dfd, op->files[n].name, 0) || errno == ENOENT)
			op->st.removed++;
		op->st.dir_bytes -= op->files[n].size;
		free(op->files[n].name);
		n++;
	}
	if (n) {
		memmove(op->files, op->files + n, (op->n_files - n) * sizeof(*op->files));
		op->n_files -= n;
	}
}

static enum out_pcap_err cause_of(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		return OUT_PCAP_ERR_DIR_MISSING;
	case -ENOSPC:
	case -EDQUOT:
		return OUT_PCAP_ERR_NO_SPACE;
	case -EACCES:
	case -EPERM:
	case -EROFS:
		return OUT_PCAP_ERR_DENIED;
	case -ENOMEM:
		return OUT_PCAP_ERR_NO_MEMORY;
	case -EFBIG:
		return OUT_PCAP_ERR_TOO_BIG;
	}
	return OUT_PCAP_ERR_OTHER;
}

static void failed(struct out_pcap *op, int err, const char *what)
{
	op->st.errors[cause_of(err)]++;
	if (err != op->last_err)
		pr_warn("--pcap-dir %s: cannot %s: %s; the captures of failures are lost until "
			"it can (counted in tlsmon_pcap_write_errors_total)", op->dir, what,
			strerror(-err));
	op->last_err = err;
}

/* <time>_<reason>_<server>_<port>.pcapng, in the characters [A-Za-z0-9._-] */
static void file_name(const struct hs_record *r, char *buf, size_t len)
{
	char when[32], rs[64], srv[64], *p;
	const char *reason = reason_label(r, rs, sizeof(rs));
	time_t t = (time_t)(r->start_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	addr_str(r->saddr, srv, sizeof(srv));
	snprintf(buf, len, "%s.%06uZ_%s_%s_%u.pcapng", when,
		 (unsigned)(r->start_ns % 1000000000ull / 1000), reason, srv, (unsigned)r->sport);
	for (p = buf; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '_' && *p != '-')
			*p = '-';
}

/* Every byte to fd: 0 or -errno. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Into DIR as name (or name-N when taken): 0 or -errno. */
static int store(struct out_pcap *op, int dfd, char *name, size_t len)
{
	char tmp[NAME_MAX + 1], base[NAME_MAX + 1];
	int fd, err, i;

	snprintf(tmp, sizeof(tmp), ".tlsmon-%d.pcapng.tmp", (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	/* 0640 whatever the umask */
	err = fchmod(fd, 0640) ? -errno : write_all(fd, op->buf.p, op->buf.len);
	if (close(fd) && !err)
		err = -errno;
	snprintf(base, sizeof(base), "%.*s", (int)(strlen(name) - 7), name);
	for (i = 2; !err; i++) {
		if (!renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE))
			return 0;
		err = -errno;
		if (err == -EINVAL) {	/* a file system without it: the name is ours anyway */
			err = renameat(dfd, tmp, dfd, name) ? -errno : 0;
			return err ? (unlinkat(dfd, tmp, 0), err) : 0;
		}
		if (err != -EEXIST || i > 99)
			break;
		err = 0;
		if (snprintf(name, len, "%s-%d.pcapng", base, i) >= (int)len)
			break;
	}
	unlinkat(dfd, tmp, 0);
	return err;
}

static uint32_t pcap_flags(const struct pkt *p)
{
	if (p->hook == TLSMON_HOOK_TC_EGRESS)
		return PCAPNG_EPB_OUTBOUND;
	if (p->hook == TLSMON_HOOK_XDP || p->hook == TLSMON_HOOK_TC_INGRESS)
		return PCAPNG_EPB_INBOUND;
	return 0;
}

/* The diagnosis, for the section and the first packet. */
static void comment(const struct hs_record *r, char *buf, size_t len)
{
	char rs[64], ex[1024], sni[4 * TLSMON_SNI_MAX + 8] = "", a[32], c[64], s[64];
	const uint8_t *name;
	size_t n;
	int cut, k;

	diag_explain(r, ex, sizeof(ex), esc_text);
	name = record_sni(r, &n, &cut);
	if (name)
		esc_text(sni, sizeof(sni), name, n);
	record_endpoint(r, SIDE_CLIENT, c, sizeof(c));
	record_endpoint(r, SIDE_SERVER, s, sizeof(s));
	k = snprintf(buf, len,
		     "tlsmon: failed TLS handshake %s -> %s: reason=%s confidence=%s basis=%s%s%s%s",
		     c, s, reason_label(r, rs, sizeof(rs)), confidence_name(r->ev.confidence) ?: "",
		     basis_name(r->ev.basis), name ? " sni=" : "", sni, ex);
	if (r->ev.alert && k > 0 && (size_t)k < len)
		snprintf(buf + k, len - (size_t)k, "; alert from the %s: %s %s",
			 side_name(r->ev.alert->sender), r->ev.alert->level == 2 ? "fatal" : "warning",
			 tls_alert_str(r->ev.alert->desc, a, sizeof(a)));
}

/* The file, in op->buf: 0 or -ENOMEM. */
static int build(struct out_pcap *op, const struct hs_record *r, const struct pkt *pkts)
{
	char note[COMMENT_MAX], lost[COMMENT_MAX + sizeof(LOST_HELLO)], ifn[32];
	uint32_t ifs[MAX_IFACES], n_ifs = 0, i;
	const struct pkt *p;

	comment(r, note, sizeof(note));
	pcapng_reset(&op->buf);
	pcapng_shb(&op->buf, note, "tlsmon");
	for (p = pkts; p; p = p->next) {
		for (i = 0; i < n_ifs && ifs[i] != p->ifindex; i++)
			;
		if (i < n_ifs || n_ifs == MAX_IFACES)
			continue;
		ifs[n_ifs++] = p->ifindex;
		if (p->ifindex == r->ifindex && r->ifname)
			snprintf(ifn, sizeof(ifn), "%s", r->ifname);
		else
			snprintf(ifn, sizeof(ifn), "ifindex %u", (unsigned)p->ifindex);
		pcapng_idb(&op->buf, PCAPNG_LINKTYPE_ETHERNET, TLSMON_PKT_MAX, ifn);
	}
	for (p = pkts; p; p = p->next) {
		const char *c = p == pkts ? note : NULL;

		for (i = 0; i + 1 < n_ifs && ifs[i] != p->ifindex; i++)
			;
		if (p->flags & TLSMON_PKT_F_HELLO) {
			/* its hello message never came (lost, cut): snapped, and said so */
			op->st.rebuild_failures++;
			snprintf(lost, sizeof(lost), "%s%s%s", c ? c : "", c ? "\n" : "", LOST_HELLO);
			c = lost;
		}
		pcapng_epb(&op->buf, i, p->ts_ns + (uint64_t)op->o.wall_offset_ns, p->data, p->len,
			   p->frame_len, pcap_flags(p), c);
	}
	return op->buf.err;
}

/* DIR, listed again when it is new or back: a descriptor, or -errno. */
static int dir_open(struct out_pcap *op)
{
	struct stat sb;
	int dfd = open(op->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &sb)) {
		err = -errno;
		close(dfd);
		return err;
	}
	if (!op->listed || sb.st_dev != op->dev || sb.st_ino != op->ino) {
		err = files_list(op, dfd);
		if (err) {
			close(dfd);
			return err;
		}
		op->listed = 1;
		op->dev = sb.st_dev;
		op->ino = sb.st_ino;
	}
	return dfd;
}

void out_pcap_record(void *ctx, const struct hs_record *r)
{
	struct out_pcap *op = ctx;
	struct pkt *pkts = pktbuf_take(op->pb, r->caddr, r->saddr, r->cport, r->sport);
	char name[NAME_MAX + 1];
	int dfd, err;

	if (r->outcome != OUTCOME_FAILED || r->quic)
		goto out;
	if (!pkts) {
		op->st.no_packets++;
		goto out;
	}
	err = build(op, r, pkts);
	if (err) {
		failed(op, err, "build a capture");
		goto out;
	}
	if (op->buf.len > op->o.max_bytes) {
		failed(op, -EFBIG, "keep a capture larger than --pcap-max-bytes");
		goto out;
	}
	dfd = dir_open(op);
	if (dfd < 0) {
		op->listed = 0;
		failed(op, dfd, "open the directory");
		goto out;
	}
	make_room(op, dfd, op->buf.len);
	file_name(r, name, sizeof(name));
	err = store(op, dfd, name, sizeof(name));
	if (!err)
		err = file_add(op, name, op->buf.len);
	close(dfd);
	if (err) {
		if (err == -ENOENT)
			op->listed = 0;
		failed(op, err, "write a capture");
		goto out;
	}
	op->st.written++;
	op->st.bytes_written += op->buf.len;
	if (op->last_err)
		pr_info("--pcap-dir %s: written again", op->dir);
	op->last_err = 0;
out:
	pktbuf_list_free(pkts);
}

void out_pcap_stats(const struct out_pcap *op, struct out_pcap_stats *st)
{
	*st = op->st;
	st->files = op->n_files;
	pktbuf_stats(op->pb, &st->pkts);
}

/* One metric: HELP, TYPE and its value. */
static void metric(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
		(unsigned long long)v);
}

void out_pcap_prom(FILE *f, const struct out_pcap_stats *st, uint64_t dp_sent, uint64_t dp_cut)
{
	int i;

	metric(f, "tlsmon_pcap_files_written_total", "counter",
	       "pcapng files of failed handshakes written to --pcap-dir.", st->written);
	metric(f, "tlsmon_pcap_bytes_written_total", "counter", "Bytes of those files.",
	       st->bytes_written);
	metric(f, "tlsmon_pcap_files_removed_total", "counter",
	       "Files removed, the oldest first, to stay within --pcap-max-files and "
	       "--pcap-max-bytes.", st->removed);
	fprintf(f, "# HELP tlsmon_pcap_write_errors_total Captures of failures lost, by cause.\n"
		   "# TYPE tlsmon_pcap_write_errors_total counter\n");
	for (i = 0; i < OUT_PCAP_ERR_MAX; i++)
		fprintf(f, "tlsmon_pcap_write_errors_total{cause=\"%s\"} %llu\n",
			out_pcap_err_name(i), (unsigned long long)st->errors[i]);
	metric(f, "tlsmon_pcap_failures_without_packets_total", "counter",
	       "Failed handshakes with no frame kept (pushed out of the buffer, or not sent).",
	       st->no_packets);
	metric(f, "tlsmon_pcap_rebuild_failures_total", "counter",
	       "Hello frames written cut after the record header (commented): the message the "
	       "datapath sent apart (HELLO event) was lost.", st->rebuild_failures);
	metric(f, "tlsmon_pcap_files", "gauge", "Files of tlsmon's in --pcap-dir.", st->files);
	metric(f, "tlsmon_pcap_dir_bytes", "gauge", "Bytes of those files.", st->dir_bytes);
	metric(f, "tlsmon_pcap_packets_sent_total", "counter",
	       "Frames of tracked flows the datapath sent for --pcap-dir.", dp_sent);
	fprintf(f, "# HELP tlsmon_pcap_packets_cut_total Frames not kept: past --pcap-packets of "
		   "their flow (datapath) or connection (collector).\n"
		   "# TYPE tlsmon_pcap_packets_cut_total counter\n"
		   "tlsmon_pcap_packets_cut_total{where=\"datapath\"} %llu\n"
		   "tlsmon_pcap_packets_cut_total{where=\"collector\"} %llu\n",
		(unsigned long long)dp_cut, (unsigned long long)st->pkts.packets_capped);
	metric(f, "tlsmon_pcap_connections_evicted_total", "counter",
	       "Open connections whose frames were pushed out of the buffer (its bounds).",
	       st->pkts.conns_evicted);
	metric(f, "tlsmon_pcap_packets_evicted_total", "counter", "Their frames.",
	       st->pkts.packets_evicted);
	metric(f, "tlsmon_pcap_buffer_bytes", "gauge",
	       "Bytes the frames of open connections hold.", st->pkts.bytes);
}
