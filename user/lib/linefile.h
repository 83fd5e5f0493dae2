/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lines written whole or not at all (the JSON records of --json and --log,
 * the readable lines): one write() per line, or whole lines kept and written
 * together (linefile_buffer, for --read), by a thread of their own if asked
 * (linefile_writer_start); when it cannot all go out (a full disk, a size
 * limit), a regular file is cut back to where the line began, so no partial
 * line stays.  Every line that could not be written is
 * counted, warned about (at most every LINEFILE_WARN_S seconds), and writing
 * resumes by itself at the next line once there is room again.
 */
#ifndef TLSMON_LINEFILE_H
#define TLSMON_LINEFILE_H

#include <stddef.h>
#include <stdint.h>

#define LINEFILE_WARN_S 10
#define LINEFILE_BATCH_LINES 1024	/* most lines one buffered write takes */

struct linefile;

struct linefile_stats {
	uint64_t written;	/* lines written whole */
	uint64_t failed;	/* lines dropped: not written, or cut back */
};

/* path appended to (created 0666 & ~umask); NULL with err set on failure. */
struct linefile *linefile_open(const char *path, char *err, size_t errlen);
/* An open descriptor (standard output), named name in warnings; never closed here. */
struct linefile *linefile_fd(int fd, const char *name);
/* One line, '\n' included: 0, or -errno when it was dropped (and counted). */
int linefile_write(struct linefile *lf, const char *line, size_t len);
/*
 * Keep up to size bytes of whole lines and write them together (0: one
 * write per line again, what was kept written first); for --read, where
 * nothing waits on the lines.  -ENOMEM leaves it as it was.
 */
int linefile_buffer(struct linefile *lf, size_t size);
/* The kept lines out now, each written whole or dropped and counted: 0 or -errno. */
int linefile_flush(struct linefile *lf);
/*
 * With the buffer on: a thread of its own writes the kept lines from now
 * on, while more are kept in a second buffer (for --read, where reading
 * the capture and writing the records then go on at once).  Start it
 * after privileges are dropped.  -errno: it did not start, and the lines
 * are written by the caller as before.  linefile_buffer() and
 * linefile_close() stop it, every line written first.
 */
int linefile_writer_start(struct linefile *lf);
/*
 * The kept lines to the writer thread, not waiting for them to go out
 * (written now without the thread).  0, or -errno of the batch written
 * before (its lines are counted either way).
 */
int linefile_hand_off(struct linefile *lf);
/* A line that could not even be made (out of memory): counted, warned. */
int linefile_drop(struct linefile *lf, int err);
/* SIGHUP: open the path again (log rotation); -errno on failure, the old one kept. */
int linefile_reopen(struct linefile *lf);
/* The counts; with the writer thread, once the batch it has is out. */
const struct linefile_stats *linefile_stats(struct linefile *lf);
const char *linefile_name(const struct linefile *lf);
void linefile_close(struct linefile *lf);

#endif
