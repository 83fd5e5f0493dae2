// SPDX-License-Identifier: BSD-3-Clause
/* The terminal dashboard: the terminal, the keys, the pace; dash_view.c draws. */
#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "ui/dash_page.h"
#include "ui/dash_query.h"
#include "ui/dash_recent.h"
#include "ui/dash_view.h"
#include "ui/dash_whatif.h"
#include "ui/draw.h"
#include "ui/dashboard.h"

#define DRAW_MS 250		/* at most four redraws a second */
#define IDLE_DRAW_MS 1000	/* the clock in the header moves anyway */
#define INPUT_MS 20		/* offline ticks come fast: read keys this often */
#define NOTE_MS 10000		/* a status-line message stays this long */
#define LOG_KEEP (64 * 1024)	/* logged bytes printed back at close */
#define LOG_MAX (1 << 20)	/* past this the buffer keeps only LOG_KEEP */

struct dashboard {
	const struct dash_model *live;
	struct dash_model *frozen;	/* what is shown while paused */
	SCREEN *scr;
	struct dash_view v;
	uint64_t last_draw, last_input, drawn_gen;
	int dirty;
	/* stderr while the screen is ours */
	int log_fd, saved_err;
	uint64_t log_off;
	char log_part[160], note[160];
	size_t log_len;
	uint64_t note_ms;
	/* the highlighted item at the last draw, found again when rows move */
	int keyed;			/* a key since: the keys moved it, not the rows */
	int anchor_view, anchor_kind;
	char anchor_key[DASH_NAME];
	uint64_t anchor_id;
};

/* ---- the terminal: taken once, given back once, on every path ---- */

static struct dashboard *active;
static const int fatal_sigs[] = { SIGQUIT, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGSEGV };
static struct sigaction old_fatal[sizeof(fatal_sigs) / sizeof(fatal_sigs[0])];

static const char log_cut[] = "tlsmon: (earlier messages cut)\n";

/* Print what was logged meanwhile; read(2)/write(2) only, for the signal path. */
static void log_dump(const struct dashboard *d)
{
	off_t end, off;
	char buf[4096];
	ssize_t n;

	if (d->log_fd < 0)
		return;
	end = lseek(d->log_fd, 0, SEEK_END);
	off = end > LOG_KEEP ? end - LOG_KEEP : 0;
	if (off && write(STDERR_FILENO, log_cut, sizeof(log_cut) - 1) < 0)
		return;
	while (off < end && (n = pread(d->log_fd, buf, sizeof(buf), off)) > 0) {
		if (write(STDERR_FILENO, buf, n) != n)
			return;
		off += n;
	}
}

static void restore(void)
{
	struct dashboard *d = active;

	if (!d)
		return;
	active = NULL;
	endwin();
	if (d->saved_err >= 0)
		dup2(d->saved_err, STDERR_FILENO);
}

static void on_fatal(int sig)
{
	struct dashboard *d = active;

	restore();
	if (d)
		log_dump(d);
	/* SA_RESETHAND: this raise ends the process as the signal would have */
	raise(sig);
}

static void fatal_handlers(int install)
{
	struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };
	size_t i;

	for (i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++) {
		if (install)
			sigaction(fatal_sigs[i], &sa, &old_fatal[i]);
		else
			sigaction(fatal_sigs[i], &old_fatal[i], NULL);
	}
}

/* Log messages would scribble over the screen: keep them until close. */
static void log_capture(struct dashboard *d)
{
	d->log_fd = d->saved_err = -1;
	if (!isatty(STDERR_FILENO))
		return;		/* stderr goes elsewhere already */
	d->log_fd = memfd_create("tlsmon-log", MFD_CLOEXEC);
	if (d->log_fd < 0)
		return;
	d->saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (d->saved_err < 0) {
		close(d->log_fd);
		d->log_fd = -1;
		return;
	}
	fflush(stderr);
	dup2(d->log_fd, STDERR_FILENO);
}

static void set_note(struct dashboard *d, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(d->note); i++)
		d->note[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	d->note[i] = 0;
	d->note_ms = clock_mono_ms();
	d->dirty = 1;
}

/*
 * A long session of warnings must not grow the buffer without end: keep its
 * last LOG_KEEP bytes.  stderr shares the buffer's file offset, so the next
 * message lands right after them.
 */
static void log_trim(struct dashboard *d)
{
	off_t end = lseek(d->log_fd, 0, SEEK_END);
	char *keep;
	ssize_t n;

	if (end < LOG_MAX || !(keep = malloc(LOG_KEEP)))
		return;
	n = pread(d->log_fd, keep, LOG_KEEP, end - LOG_KEEP);
	if (n > 0 && !ftruncate(d->log_fd, 0) && !lseek(d->log_fd, 0, SEEK_SET) &&
	    write(d->log_fd, log_cut, sizeof(log_cut) - 1) > 0 && write(d->log_fd, keep, n) > 0)
		d->log_off = lseek(d->log_fd, 0, SEEK_CUR);
	free(keep);
}

/* The latest complete log line becomes the status-line note. */
static void log_poll(struct dashboard *d)
{
	char buf[1024];
	ssize_t n, i;
	int rounds;

	if (d->log_fd < 0)
		return;
	for (rounds = 0; rounds < 64; rounds++) {
		n = pread(d->log_fd, buf, sizeof(buf), d->log_off);
		if (n <= 0)
			break;
		d->log_off += n;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				d->log_part[d->log_len] = 0;
				set_note(d, d->log_part);
				d->log_len = 0;
			} else if (d->log_len + 1 < sizeof(d->log_part)) {
				d->log_part[d->log_len++] = buf[i];
			}
		}
	}
	log_trim(d);
}

/* A terminal that cannot place the cursor (TERM=dumb, unknown) cannot show it. */
static int can_place_cursor(void)
{
	char *cup = tigetstr("cup");

	return cup && cup != (char *)-1;
}

int dashboard_usable(void)
{
	TERMINAL *was = cur_term;
	int err, ok;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return 0;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return 0;
	ok = can_place_cursor();
	del_curterm(cur_term);
	set_curterm(was);
	return ok;
}

struct dashboard *dashboard_open(const struct dash_model *m, char *err, size_t errlen)
{
	static int atexit_done;
	struct dashboard *d;
	struct termios t;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the dashboard needs a terminal on standard input and output");
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->live = m;
	/* characters only: numbers in JSON and logs stay in the C locale */
	setlocale(LC_CTYPE, "");
	d->v.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	d->scr = newterm(NULL, stdout, stdin);
	if (!d->scr || !can_place_cursor()) {
		if (d->scr) {
			endwin();
			delscreen(d->scr);
		}
		snprintf(err, errlen, "cannot drive this terminal (TERM=%s); try --no-dashboard",
			 getenv("TERM") ? getenv("TERM") : "");
		free(d);
		return NULL;
	}
	active = d;
	if (!atexit_done++)
		atexit(restore);
	fatal_handlers(1);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* no XON/XOFF: a stray ^S must not stop the screen, and tlsmon with it */
	if (!tcgetattr(STDIN_FILENO, &t)) {
		t.c_iflag &= ~(IXON | IXOFF);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		def_prog_mode();
	}
	draw_colors();
	log_capture(d);
	d->dirty = 1;
	return d;
}

void dashboard_close(struct dashboard *d)
{
	if (!d)
		return;
	restore();
	fatal_handlers(0);
	log_dump(d);
	if (d->log_fd >= 0)
		close(d->log_fd);
	if (d->saved_err >= 0)
		close(d->saved_err);
	delscreen(d->scr);
	dash_model_free(d->frozen);
	dash_whatif_free(d->v.whatif);
	free(d);
}

void dashboard_what_if(struct dashboard *d, const struct offers *o,
		       const struct whatif_policy *p)
{
	if (!d || !o || d->v.whatif)
		return;
	d->v.whatif = dash_whatif_new(o, p);
	/* asked for on the command line: shown first */
	d->v.whatif_on = p && d->v.whatif;
	d->dirty = 1;
}

/*
 * Live, rows re-sort at every refresh: the highlight stays on the item it
 * was on (a server, a fingerprint, a failure), unless a key moved it since;
 * an item gone leaves it on the same row.
 */
static void relocate(struct dashboard *d, const struct dash_model *m)
{
	struct dash_view *v = &d->v;
	int i;

	if (!d->keyed && !v->open && !v->whatif_on && !v->recent_on && d->anchor_kind &&
	    d->anchor_view == v->view) {
		i = dash_query_find(m, v->view, v->sort, v->oldest, v->filter, d->anchor_key,
				    d->anchor_id);
		if (i >= 0)
			v->sel[v->view] = i;
	}
	d->keyed = 0;
}

static void draw(struct dashboard *d)
{
	const struct dash_model *m = d->v.paused && d->frozen ? d->frozen : d->live;

	d->v.note = d->note[0] && clock_mono_ms() - d->note_ms < NOTE_MS ? d->note : NULL;
	relocate(d, m);
	dash_view_draw(&d->v, m);
	d->anchor_view = d->v.view;
	d->anchor_kind = d->v.open || d->v.whatif_on || d->v.recent_on ? DASH_OPEN_NONE
									 : d->v.sel_kind;
	snprintf(d->anchor_key, sizeof(d->anchor_key), "%s", d->v.sel_key);
	d->anchor_id = d->v.sel_id;
}

/* ---- keys ---- */

static void edit_key(struct dashboard *d, int c)
{
	size_t n = strlen(d->v.edit);

	switch (c) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		snprintf(d->v.filter, sizeof(d->v.filter), "%s", d->v.edit);
		memset(d->v.scroll, 0, sizeof(d->v.scroll));
		memset(d->v.sel, 0, sizeof(d->v.sel));
		d->v.editing = 0;
		break;
	case 27:
		d->v.editing = 0;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n)
			d->v.edit[n - 1] = 0;
		break;
	default:
		if (c >= 0x20 && c < 0x7f && n + 1 < sizeof(d->v.edit)) {
			d->v.edit[n] = c;
			d->v.edit[n + 1] = 0;
		}
		break;
	}
}

static void toggle_pause(struct dashboard *d)
{
	if (d->v.paused) {
		dash_model_free(d->frozen);
		d->frozen = NULL;
		d->v.paused = 0;
		return;
	}
	d->frozen = dash_model_clone(d->live);
	if (!d->frozen) {
		set_note(d, "cannot pause: out of memory");
		return;
	}
	d->v.paused = 1;
}

/* What the arrows move: the open page, the highlighted row, or (negotiated) the list. */
static int *moved(struct dashboard *d)
{
	if (d->v.open)
		return &d->v.open_scroll;
	if (d->v.recent_on)
		return &d->v.recent.sel;
	if (d->v.whatif_on)
		return dash_whatif_sel(d->v.whatif);
	if (d->v.view == V_NEGO)
		return &d->v.scroll[V_NEGO];
	return &d->v.sel[d->v.view];
}

static void move_by(struct dashboard *d, int n)
{
	int *p = moved(d);

	/* clamped when drawn, against what is there then */
	if (n < 0 && *p < -n)
		*p = 0;
	else if (n > 0 && *p > 1000000 - n)
		*p = 1000000;
	else
		*p += n;
}

/* Enter: the highlighted row's page, as the screen shows it after the keys so far. */
static void open_selected(struct dashboard *d)
{
	draw(d);
	if (!d->v.sel_kind) {
		set_note(d, "nothing to open here");
		return;
	}
	d->v.open = d->v.sel_kind;
	snprintf(d->v.open_key, sizeof(d->v.open_key), "%s", d->v.sel_key);
	d->v.open_id = d->v.sel_id;
	d->v.open_scroll = 0;
}

/* Keys that mean "back" on an open page; nonzero when c was one. */
static int page_key(struct dashboard *d, int c)
{
	switch (c) {
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case 8:
	case KEY_LEFT:
	case 'q':
		d->v.open = DASH_OPEN_NONE;
		return 1;
	case '\t':
	case KEY_BTAB:
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		d->v.open = DASH_OPEN_NONE;	/* and on to the view */
		return 0;
	default:
		return 0;
	}
}

static void key(struct dashboard *d, int c, int *quit)
{
	int page = LINES - 6 > 1 ? LINES - 6 : 1;

	char note[sizeof(d->note)] = "";

	d->dirty = 1;
	d->keyed = 1;
	if (d->v.editing) {
		edit_key(d, c);
		return;
	}
	if (d->v.help && c != KEY_RESIZE) {
		d->v.help = 0;
		if (c != 'q' && c != 'Q')
			return;
	}
	if (d->v.open && page_key(d, c))
		return;
	if (!d->v.open && d->v.recent_on && dash_recent_key(&d->v, c))
		return;
	if (!d->v.open && d->v.whatif_on && dash_whatif_key(&d->v, c, note, sizeof(note))) {
		if (note[0])
			set_note(d, note);
		return;
	}
	switch (c) {
	case 'q':
	case 'Q':
		*quit = 1;
		break;
	case '\t':
		d->v.view = (d->v.view + 1) % V_MAX;
		break;
	case KEY_BTAB:
		d->v.view = (d->v.view + V_MAX - 1) % V_MAX;
		break;
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		d->v.view = c - '1';
		break;
	case 's':
	case 'S':
		if (d->v.view == V_FAILURES)
			d->v.oldest = !d->v.oldest;
		else
			d->v.sort = (d->v.sort + 1) % DASH_SORT_MAX;
		d->v.scroll[d->v.view] = 0;
		d->v.sel[d->v.view] = 0;
		break;
	case 'p':
	case 'P':
	case ' ':
		toggle_pause(d);
		break;
	case '/':
		d->v.editing = 1;
		snprintf(d->v.edit, sizeof(d->v.edit), "%s", d->v.filter);
		break;
	case '?':
	case 'h':
		d->v.help = 1;
		break;
	case 'w':
	case 'W':
		d->v.recent_on = 0;
		if (d->v.whatif)
			dash_whatif_prompt(&d->v);
		else
			set_note(d, "what-if: no client offers kept (out of memory)");
		break;
	case 27:
		d->v.filter[0] = 0;
		break;
	case KEY_UP:
	case 'k':
		move_by(d, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_by(d, 1);
		break;
	case KEY_PPAGE:
		move_by(d, -page);
		break;
	case KEY_NPAGE:
		move_by(d, page);
		break;
	case KEY_HOME:
	case 'g':
		*moved(d) = 0;
		break;
	case KEY_END:
	case 'G':
		*moved(d) = 1000000;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (!d->v.open)
			open_selected(d);
		break;
	case 'r':
	case 'R':
		d->v.recent_on = 1;
		d->v.whatif_on = 0;
		break;
	case 12:	/* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

/* Keys waiting now; a terminal that went away counts as q. */
static void input(struct dashboard *d, int *quit)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int i, c;

	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		*quit = 1;
		return;
	}
	for (i = 0; i < 64 && (c = getch()) != ERR; i++)
		key(d, c, quit);
}

static int step(struct dashboard *d, uint64_t now, int final)
{
	const struct dash_model *m = d->live;
	int quit = 0;

	if (final && !m->hdr.live && !d->v.done) {
		d->v.done = 1;
		d->dirty = 1;
	}
	if (now - d->last_input >= INPUT_MS || d->v.done) {
		d->last_input = now;
		input(d, &quit);
		log_poll(d);
	}
	if (quit)
		return 1;
	if (d->dirty || (!d->v.paused && now - d->last_draw >= DRAW_MS &&
			 (m->generation != d->drawn_gen || now - d->last_draw >= IDLE_DRAW_MS)) ||
	    (d->note[0] && now - d->last_draw >= IDLE_DRAW_MS)) {
		draw(d);
		d->dirty = 0;
		d->last_draw = now;
		d->drawn_gen = m->generation;
	}
	return 0;
}

int dashboard_tick(struct dashboard *d, int final)
{
	return d ? step(d, clock_mono_ms(), final) : 0;
}

int dashboard_wait(struct dashboard *d, int timeout_ms)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	if (!d)
		return 1;
	/* a signal ends the wait early (EINTR): tlsmon's loop then looks at it */
	poll(&p, 1, timeout_ms);
	return step(d, clock_mono_ms(), 1);
}
