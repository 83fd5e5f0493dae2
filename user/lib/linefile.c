// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/linefile.h"
#include "lib/log.h"

struct linefile {
	int fd;
	int own;		/* opened here, so closed and reopened here */
	int regular;		/* a regular file: a partial line can be cut back */
	int append;		/* O_APPEND: every write lands at the end */
	off_t cut_at;		/* a partial line from here still to cut off; -1: none */
	int torn;		/* a stream got part of a line: start the next one afresh */
	char *name;
	struct linefile_stats st;
	int failing;		/* the last line was dropped */
	int announced;		/* and a warning said so */
	uint64_t next_warn_ns;
	/* linefile_buffer(): whole lines kept to go out together, where each ends */
	char *buf;
	size_t blen, bcap;
	uint32_t ends[LINEFILE_BATCH_LINES];
	unsigned n_lines;
};

static void describe(struct linefile *lf)
{
	struct stat sb;
	int fl = fcntl(lf->fd, F_GETFL);

	lf->regular = !fstat(lf->fd, &sb) && S_ISREG(sb.st_mode);
	lf->append = fl >= 0 && (fl & O_APPEND);
	lf->cut_at = -1;
	lf->torn = 0;
}

struct linefile *linefile_fd(int fd, const char *name)
{
	struct linefile *lf = calloc(1, sizeof(*lf));

	if (!lf)
		return NULL;
	lf->name = strdup(name);
	if (!lf->name) {
		free(lf);
		return NULL;
	}
	lf->fd = fd;
	describe(lf);
	return lf;
}

static int open_append(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
}

struct linefile *linefile_open(const char *path, char *err, size_t errlen)
{
	struct linefile *lf;
	int fd = open_append(path);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s for appending: %s", path, strerror(errno));
		return NULL;
	}
	lf = linefile_fd(fd, path);
	if (!lf) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	lf->own = 1;
	return lf;
}

int linefile_reopen(struct linefile *lf)
{
	int fd;

	if (!lf->own)
		return 0;
	linefile_flush(lf);	/* what was written before belongs to the old file */
	fd = open_append(lf->name);
	if (fd < 0)
		return -errno;
	close(lf->fd);
	lf->fd = fd;
	describe(lf);
	return 0;
}

/* Take the partial line off the end of a regular file; 0 or -errno. */
static int cut_back(struct linefile *lf)
{
	if (ftruncate(lf->fd, lf->cut_at))
		return -errno;
	/* without O_APPEND the next write goes to the offset: no hole before it */
	if (!lf->append && lseek(lf->fd, lf->cut_at, SEEK_SET) != lf->cut_at)
		return -errno;
	lf->cut_at = -1;
	return 0;
}

/* At most a warning every LINEFILE_WARN_S; what they skip is in the next one's count. */
static int dropped(struct linefile *lf, int err)
{
	uint64_t now = clock_mono_ns();

	lf->st.failed++;
	if (!lf->failing) {
		lf->failing = 1;
		lf->announced = 0;
	}
	if (now >= lf->next_warn_ns) {
		if (lf->announced)
			pr_warn("%s: still cannot write: %s; %llu lines dropped so far", lf->name,
				strerror(-err), (unsigned long long)lf->st.failed);
		else
			pr_warn("%s: cannot write a line: %s; lines are dropped whole and counted "
				"(%llu so far) until it can be written again (free space, or fix "
				"the file)", lf->name, strerror(-err),
				(unsigned long long)lf->st.failed);
		lf->announced = 1;
		lf->next_warn_ns = now + LINEFILE_WARN_S * 1000000000ull;
	}
	return err;
}

/* n lines written whole */
static void went_out(struct linefile *lf, unsigned n)
{
	lf->st.written += n;
	if (lf->failing && lf->announced)
		pr_info("%s: writing again; %llu lines dropped so far", lf->name,
			(unsigned long long)lf->st.failed);
	lf->failing = 0;
}

int linefile_drop(struct linefile *lf, int err)
{
	return dropped(lf, err);
}

/* All of buf, through interruptions and short writes; 0 or -errno, *done what went out. */
static int write_all(struct linefile *lf, const char *buf, size_t len, size_t *done)
{
	struct pollfd pfd = { .fd = lf->fd, .events = POLLOUT };
	int waited = 0;
	ssize_t n;

	*done = 0;
	while (*done < len) {
		n = write(lf->fd, buf + *done, len - *done);
		if (n > 0) {
			*done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* a non-blocking stream that is full: wait once, a second at most */
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !waited++ &&
		    poll(&pfd, 1, 1000) > 0)
			continue;
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/*
 * The kept lines in one write, with what a line's write does on failure:
 * those wholly out count as written, a regular file is cut back to the end
 * of the last of them (a stream is marked torn), the others are dropped.
 */
int linefile_flush(struct linefile *lf)
{
	unsigned i, k = 0;
	off_t start = -1;
	size_t done = 0;
	int err;

	if (!lf->n_lines)
		return 0;
	if (lf->cut_at >= 0 && (err = cut_back(lf)))
		goto drop;
	if (lf->torn) {
		if ((err = write_all(lf, "\n", 1, &done)))
			goto drop;
		lf->torn = 0;
	}
	if (lf->regular)
		start = lseek(lf->fd, 0, lf->append ? SEEK_END : SEEK_CUR);
	err = write_all(lf, lf->buf, lf->blen, &done);
	if (!err) {
		went_out(lf, lf->n_lines);
		lf->blen = lf->n_lines = 0;
		return 0;
	}
	while (k < lf->n_lines && lf->ends[k] <= done)
		k++;
	if (k)
		went_out(lf, k);
	if (done > (k ? lf->ends[k - 1] : 0)) {
		if (start >= 0) {
			lf->cut_at = start + (k ? lf->ends[k - 1] : 0);
			cut_back(lf);	/* or before the next line */
		} else {
			lf->torn = 1;
		}
	}
drop:
	for (i = k; i < lf->n_lines; i++)
		dropped(lf, err);
	lf->blen = lf->n_lines = 0;
	return err;
}

int linefile_buffer(struct linefile *lf, size_t size)
{
	char *b = NULL;

	linefile_flush(lf);
	if (size && !(b = malloc(size)))
		return -ENOMEM;
	free(lf->buf);
	lf->buf = b;
	lf->bcap = size;
	return 0;
}

int linefile_write(struct linefile *lf, const char *line, size_t len)
{
	off_t start = -1;
	size_t done;
	int err;

	if (lf->bcap) {
		if (len > lf->bcap - lf->blen || lf->n_lines == LINEFILE_BATCH_LINES)
			linefile_flush(lf);
		/* a line longer than the buffer goes alone, below */
		if (len <= lf->bcap - lf->blen) {
			memcpy(lf->buf + lf->blen, line, len);
			lf->blen += len;
			lf->ends[lf->n_lines++] = lf->blen;
			return 0;
		}
	}

	if (lf->cut_at >= 0 && (err = cut_back(lf)))
		return dropped(lf, err);
	if (lf->torn) {
		/* what a stream already got cannot be taken back: end it */
		if ((err = write_all(lf, "\n", 1, &done)))
			return dropped(lf, err);
		lf->torn = 0;
	}
	if (lf->regular)
		start = lseek(lf->fd, 0, lf->append ? SEEK_END : SEEK_CUR);
	err = write_all(lf, line, len, &done);
	if (err) {
		if (done && start >= 0) {
			lf->cut_at = start;
			cut_back(lf);	/* or before the next line */
		} else if (done) {
			lf->torn = 1;
		}
		return dropped(lf, err);
	}
	went_out(lf, 1);
	return 0;
}

const struct linefile_stats *linefile_stats(const struct linefile *lf)
{
	return &lf->st;
}

const char *linefile_name(const struct linefile *lf)
{
	return lf->name;
}

void linefile_close(struct linefile *lf)
{
	if (!lf)
		return;
	linefile_flush(lf);
	free(lf->buf);
	if (lf->own)
		close(lf->fd);
	free(lf->name);
	free(lf);
}
