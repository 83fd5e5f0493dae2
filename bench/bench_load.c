// SPDX-License-Identifier: BSD-3-Clause
/*
 * Handshake load for the live benchmark: --procs processes, each making
 * full TLS handshakes (libssl, no session reuse) one after the other for
 * --duration seconds, round robin over the --target list.  Each connection:
 * TCP connect, handshake with SNI (certificate and host name verified
 * against --cafile), an HTTP/1.0 request, the answer read to the server's
 * close, close_notify, close.  A target may be expected to fail (e.g. a TLS
 * 1.3-only client against a TLS 1.2-only server): its handshake then counts
 * when the server refuses it with an alert.
 *
 * Output, tab separated: one "target" line per target, then
 *   total  attempts  completed  unexpected  seconds  completed_per_s
 * where completed = handshakes that ended as the target expects (what the
 * monitor must report) and unexpected = anything else (connect errors,
 * timeouts, wrong outcome).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_TARGETS 8
#define MAX_PROCS 64

struct target {
	char addr[64];
	int port;
	char sni[128];
	int version;		/* 0: any, else TLS1_2_VERSION / TLS1_3_VERSION */
	int expect_fail;
	SSL_CTX *ctx;
};

struct tally {
	unsigned long attempts, completed, unexpected;
};

static struct target targets[MAX_TARGETS];
static int n_targets;
static const char *cafile;

/* ADDR,PORT,SNI,VERSION(1.2|1.3|any),EXPECT(ok|fail) */
static int parse_target(const char *s, struct target *t)
{
	char ver[8], exp[8];

	if (sscanf(s, "%63[^,],%d,%127[^,],%7[^,],%7s", t->addr, &t->port, t->sni, ver, exp) != 5)
		return -1;
	if (!strcmp(ver, "1.2"))
		t->version = TLS1_2_VERSION;
	else if (!strcmp(ver, "1.3"))
		t->version = TLS1_3_VERSION;
	else if (strcmp(ver, "any"))
		return -1;
	if (!strcmp(exp, "fail"))
		t->expect_fail = 1;
	else if (strcmp(exp, "ok"))
		return -1;
	return t->port > 0 && t->port < 65536 ? 0 : -1;
}

static SSL_CTX *make_ctx(const struct target *t)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (t->version) {
		SSL_CTX_set_min_proto_version(ctx, t->version);
		SSL_CTX_set_max_proto_version(ctx, t->version);
	}
	/* every handshake a full one */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (cafile && SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static int tcp_connect(const struct target *t)
{
	struct timeval tv = { .tv_sec = 5 };
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, t->addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, t->addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		len = sizeof(*s6);
	} else {
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* bounds connect, reads and writes alike */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection: 1 when it ended as the target expects. */
static int one(const struct target *t)
{
	char req[256], buf[4096];
	int fd, ok = 0, n, len;
	SSL *ssl;

	fd = tcp_connect(t);
	if (fd < 0)
		return 0;
	ssl = SSL_new(t->ctx);
	if (!ssl) {
		close(fd);
		return 0;
	}
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, t->sni);
	SSL_set1_host(ssl, t->sni);
	if (SSL_connect(ssl) != 1) {
		/* refused with an alert: what a target expected to fail wants */
		ok = t->expect_fail;
		goto out;
	}
	if (t->expect_fail)
		goto out;
	len = snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", t->sni);
	if (SSL_write(ssl, req, len) != len)
		goto out;
	n = 0;
	for (int i = 0; i < 64; i++) {
		int r = SSL_read(ssl, buf, sizeof(buf));

		if (r <= 0)
			break;
		n += r;
	}
	ok = n > 0;
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	ERR_clear_error();
	close(fd);
	return ok;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void worker(int id, double duration, unsigned long max, int out)
{
	struct tally tl[MAX_TARGETS] = { 0 };
	double end = now_s() + duration;
	unsigned long i;
	int k;

	for (k = 0; k < n_targets; k++) {
		targets[k].ctx = make_ctx(&targets[k]);
		if (!targets[k].ctx)
			_exit(1);
	}
	for (i = 0; (!max || i < max) && now_s() < end; i++) {
		k = (i + id) % n_targets;
		tl[k].attempts++;
		if (one(&targets[k]))
			tl[k].completed++;
		else
			tl[k].unexpected++;
	}
	if (write(out, tl, sizeof(tl)) != (ssize_t)sizeof(tl))
		_exit(1);
	_exit(0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max", required_argument, NULL, 'm' },
		{ "cafile", required_argument, NULL, 'c' },
		{ 0 },
	};
	struct tally sum[MAX_TARGETS] = { 0 }, tl[MAX_TARGETS], all = { 0 };
	unsigned long max = 0;
	double duration = 10, t0, el;
	int procs = 4, c, i, k, p[2], st, rc = 0;
	pid_t pids[MAX_PROCS];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (n_targets == MAX_TARGETS || parse_target(optarg, &targets[n_targets])) {
				fprintf(stderr, "bench_load: bad --target '%s'\n", optarg);
				return 2;
			}
			n_targets++;
			break;
		case 'p':
			procs = atoi(optarg);
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 'm':
			max = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cafile = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_load --target ADDR,PORT,SNI,1.2|1.3|any,ok|fail"
				"... [--procs N] [--duration S] [--max N per process] "
				"[--cafile CA]\n");
			return 2;
		}
	}
	if (!n_targets || procs < 1 || procs > MAX_PROCS || duration <= 0 || duration > 600) {
		fprintf(stderr, "bench_load: need --target; --procs 1-%d; --duration up to 600\n",
			MAX_PROCS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p))
		return 1;
	t0 = now_s();
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(p[0]);
			worker(i, duration, max, p[1]);
		}
	}
	close(p[1]);
	for (i = 0; i < procs; i++) {
		if (read(p[0], tl, sizeof(tl)) != (ssize_t)sizeof(tl)) {
			rc = 1;
			continue;
		}
		for (k = 0; k < n_targets; k++) {
			sum[k].attempts += tl[k].attempts;
			sum[k].completed += tl[k].completed;
			sum[k].unexpected += tl[k].unexpected;
		}
	}
	for (i = 0; i < procs; i++)
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	el = now_s() - t0;
	for (k = 0; k < n_targets; k++) {
		printf("target\t%s\t%d\t%s\t%s\t%s\t%lu\t%lu\t%lu\n", targets[k].addr, targets[k].port,
		       targets[k].sni,
		       targets[k].version == TLS1_3_VERSION ? "1.3"
		       : targets[k].version == TLS1_2_VERSION ? "1.2" : "any",
		       targets[k].expect_fail ? "fail" : "ok", sum[k].attempts, sum[k].completed,
		       sum[k].unexpected);
		all.attempts += sum[k].attempts;
		all.completed += sum[k].completed;
		all.unexpected += sum[k].unexpected;
	}
	printf("total\t%lu\t%lu\t%lu\t%.2f\t%.1f\n", all.attempts, all.completed, all.unexpected, el,
	       all.completed / el);
	return rc;
}
