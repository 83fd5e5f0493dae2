/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helper threads (--read's record writers and its event queue's reader):
 * started with every signal blocked, so that signals (SIGINT interrupting
 * a read, SIGHUP) reach the thread that handles them, and running before
 * thread_start() returns, so that a system call filter loaded afterwards
 * (TSYNC, lib/sandbox.c) finds the C library done with starting them.
 */
#ifndef TLSMON_THREAD_H
#define TLSMON_THREAD_H

#include <pthread.h>

/* name: at most 15 bytes.  0, or -errno when the thread could not be made. */
int thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg);

#endif
