// SPDX-License-Identifier: BSD-3-Clause
#include <signal.h>
#include "lib/thread.h"

struct start {
	const char *name;
	void *(*fn)(void *);
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running;
};

static void *trampoline(void *p)
{
	struct start *st = p;
	void *(*fn)(void *) = st->fn;
	void *arg = st->arg;

	/* named for ps and perf (prctl: before the filter, which has no prctl) */
	pthread_setname_np(pthread_self(), st->name);
	/* st is the starter's, on its stack: not touched once it is told */
	pthread_mutex_lock(&st->mu);
	st->running = 1;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	return fn(arg);
}

int thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
	struct start st = { .name = name, .fn = fn, .arg = arg };
	sigset_t all, old;
	int e;

	pthread_mutex_init(&st.mu, NULL);
	pthread_cond_init(&st.cv, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(t, NULL, trampoline, &st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!e) {
		pthread_mutex_lock(&st.mu);
		while (!st.running)
			pthread_cond_wait(&st.cv, &st.mu);
		pthread_mutex_unlock(&st.mu);
	}
	pthread_cond_destroy(&st.cv);
	pthread_mutex_destroy(&st.mu);
	return -e;
}
