// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/linefile.h"
#include "lib/log.h"
#include "lib/thread.h"

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
	/*
	 * linefile_buffer(): whole lines kept to go out together, where each
	 * ends; with the writer thread, the batch it writes is the other one
	 */
	struct batch {
		char *buf;
		size_t len;
		uint32_t ends[LINEFILE_BATCH_LINES];
		unsigned n;
	} b[2], *cur;
	size_t bcap;
	/*
	 * linefile_writer_start(): a thread writes the batches handed to it.
	 * Everything above but cur is its own while it has one (out); the
	 * caller's side waits for it (idle()) before touching any of it.
	 */
	pthread_t thr;
	int has_thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *out;	/* the batch handed over, NULL: none */
	int quit;
	int out_err;		/* what writing the last batch returned */
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

/* The writer thread holds no batch: the state is the caller's again. */
static void idle(struct linefile *lf)
{
	if (!lf->has_thr)
		return;
	pthread_mutex_lock(&lf->mu);
	while (lf->out)
		pthread_cond_wait(&lf->cv, &lf->mu);
	pthread_mutex_unlock(&lf->mu);
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
	lf->cur = &lf->b[0];
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
	idle(lf);
	return dropped(lf, err);
}

/* All of buf, through interruptions and short writes; 0 or -errno, *done what went out. */
static int write_bytes(struct linefile *lf, const char *buf, size_t len, size_t *done)
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
 * Not in the middle of a log message (lib/log.c holds the same lock for
 * each): on a pipe that takes both (2>&1) a write longer than PIPE_BUF is
 * not atomic, and with the writer thread the two come from different
 * threads.
 */
static int write_all(struct linefile *lf, const char *buf, size_t len, size_t *done)
{
	int err;

	flockfile(stderr);
	err = write_bytes(lf, buf, len, done);
	funlockfile(stderr);
	return err;
}

/*
 * A batch in one write, with what a line's write does on failure: those
 * wholly out count as written, a regular file is cut back to the end of the
 * last of them (a stream is marked torn), the others are dropped.
 */
static int write_batch(struct linefile *lf, struct batch *bt)
{
	unsigned i, k = 0;
	off_t start = -1;
	size_t done = 0;
	int err;

	if (!bt->n)
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
	err = write_all(lf, bt->buf, bt->len, &done);
	if (!err) {
		went_out(lf, bt->n);
		bt->len = bt->n = 0;
		return 0;
	}
	while (k < bt->n && bt->ends[k] <= done)
		k++;
	if (k)
		went_out(lf, k);
	if (done > (k ? bt->ends[k - 1] : 0)) {
		if (start >= 0) {
			lf->cut_at = start + (k ? bt->ends[k - 1] : 0);
			cut_back(lf);	/* or before the next line */
		} else {
			lf->torn = 1;
		}
	}
drop:
	for (i = k; i < bt->n; i++)
		dropped(lf, err);
	bt->len = bt->n = 0;
	return err;
}

static void *writer(void *arg)
{
	struct linefile *lf = arg;
	struct batch *bt;
	int err;

	pthread_mutex_lock(&lf->mu);
	for (;;) {
		while (!lf->out && !lf->quit)
			pthread_cond_wait(&lf->cv, &lf->mu);
		if (!lf->out)
			break;
		bt = lf->out;
		pthread_mutex_unlock(&lf->mu);
		err = write_batch(lf, bt);
		pthread_mutex_lock(&lf->mu);
		lf->out_err = err;
		lf->out = NULL;
		pthread_cond_broadcast(&lf->cv);
	}
	pthread_mutex_unlock(&lf->mu);
	return NULL;
}

/*
 * The kept lines to the writer thread, and a fresh batch to keep more in
 * while it writes them; without the thread, written now.  Returns what the
 * previous batch's write returned (the thread's), or this one's.
 */
int linefile_hand_off(struct linefile *lf)
{
	int err;

	if (!lf->has_thr)
		return write_batch(lf, lf->cur);
	idle(lf);
	err = lf->out_err;
	lf->out_err = 0;
	if (!lf->cur->n)
		return err;
	pthread_mutex_lock(&lf->mu);
	lf->out = lf->cur;
	pthread_cond_signal(&lf->cv);
	pthread_mutex_unlock(&lf->mu);
	lf->cur = lf->cur == &lf->b[0] ? &lf->b[1] : &lf->b[0];
	return err;
}

int linefile_flush(struct linefile *lf)
{
	int err = linefile_hand_off(lf);

	if (!lf->has_thr)
		return err;
	idle(lf);
	if (!err)
		err = lf->out_err;
	lf->out_err = 0;
	return err;
}

/* The thread stopped and gone, every line kept written first. */
static void writer_stop(struct linefile *lf)
{
	if (!lf->has_thr)
		return;
	linefile_flush(lf);
	pthread_mutex_lock(&lf->mu);
	lf->quit = 1;
	pthread_cond_signal(&lf->cv);
	pthread_mutex_unlock(&lf->mu);
	pthread_join(lf->thr, NULL);
	pthread_cond_destroy(&lf->cv);
	pthread_mutex_destroy(&lf->mu);
	lf->has_thr = 0;
	lf->quit = 0;
	free(lf->b[1].buf);
	lf->b[1].buf = NULL;
	lf->cur = &lf->b[0];
}

int linefile_writer_start(struct linefile *lf)
{
	int e;

	if (lf->has_thr)
		return 0;
	if (!lf->bcap)
		return -EINVAL;
	linefile_flush(lf);
	lf->b[1].buf = malloc(lf->bcap);
	if (!lf->b[1].buf)
		return -ENOMEM;
	lf->b[1].len = lf->b[1].n = 0;
	pthread_mutex_init(&lf->mu, NULL);
	pthread_cond_init(&lf->cv, NULL);
	e = thread_start(&lf->thr, "tlsmon-write", writer, lf);
	if (e) {
		pthread_cond_destroy(&lf->cv);
		pthread_mutex_destroy(&lf->mu);
		free(lf->b[1].buf);
		lf->b[1].buf = NULL;
		return e;
	}
	lf->has_thr = 1;
	return 0;
}

int linefile_buffer(struct linefile *lf, size_t size)
{
	char *b = NULL;

	writer_stop(lf);
	linefile_flush(lf);
	if (size && !(b = malloc(size)))
		return -ENOMEM;
	free(lf->b[0].buf);
	lf->b[0].buf = b;
	lf->b[0].len = lf->b[0].n = 0;
	lf->bcap = size;
	return 0;
}

int linefile_write(struct linefile *lf, const char *line, size_t len)
{
	off_t start = -1;
	size_t done;
	int err;

	if (lf->bcap) {
		struct batch *bt = lf->cur;

		if (len > lf->bcap - bt->len || bt->n == LINEFILE_BATCH_LINES) {
			linefile_hand_off(lf);
			bt = lf->cur;
		}
		/* a line longer than the buffer goes alone, below */
		if (len <= lf->bcap - bt->len) {
			memcpy(bt->buf + bt->len, line, len);
			bt->len += len;
			bt->ends[bt->n++] = bt->len;
			return 0;
		}
		idle(lf);
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

const struct linefile_stats *linefile_stats(struct linefile *lf)
{
	idle(lf);	/* counted as of the last batch handed over */
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
	writer_stop(lf);
	linefile_flush(lf);
	free(lf->b[0].buf);
	if (lf->own)
		close(lf->fd);
	free(lf->name);
	free(lf);
}
