// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/verify.c against real servers on loopback: `openssl s_server`
 * instances this test starts (one taking only AES256-SHA and AES128-SHA at
 * TLS 1.2, like the lab's backend B; one TLS 1.3 only) and three bad ones
 * run here (one that accepts and never answers, one that answers plain text,
 * one that resets).  The engine must report what each server accepts, and
 * give up on the bad ones within its timeout.  The verifier's bounds (one
 * verification per server per interval, the queue) are checked with records.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "json_check.h"
#include "model/verify.h"
#include "output/out_verify.h"

static char dir[64];
static pid_t servers[3];
static uint16_t port_b, port_13, port_p384, port_silent, port_text, port_reset, port_closed;
static int bad_fds[3];
static pthread_t bad_thread;
static volatile int bad_stop;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening loopback socket on a port the kernel picks. */
static int listen_any(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A port nothing listens on (for s_server to take, or to be refused). */
static uint16_t free_port(void)
{
	uint16_t p = 0;
	int fd = listen_any(&p);

	close(fd);
	return p;
}

/* The bad servers: [0] never answers, [1] plain text, [2] resets. */
static void *bad_servers(void *arg)
{
	struct pollfd pfd[3];
	int held[64], n_held = 0, i, c, n_read = 0;
	struct linger lg = { 1, 0 };
	char buf[512];
	static const char text[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

	(void)arg;
	for (i = 0; i < 3; i++)
		pfd[i] = (struct pollfd){ .fd = bad_fds[i], .events = POLLIN };
	while (!bad_stop) {
		if (poll(pfd, 3, 100) <= 0)
			continue;
		for (i = 0; i < 3; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			c = accept(bad_fds[i], NULL, NULL);
			if (c < 0)
				continue;
			if (i == 0 && n_held < 64) {
				held[n_held++] = c;	/* open, silent */
			} else if (i == 1) {
				struct pollfd r = { .fd = c, .events = POLLIN };

				if (poll(&r, 1, 1000) > 0 && read(c, buf, sizeof(buf)) > 0)
					n_read += write(c, text, sizeof(text) - 1) > 0;
				close(c);
			} else {
				struct pollfd r = { .fd = c, .events = POLLIN };

				/* after the ClientHello came: a reset, no answer */
				if (poll(&r, 1, 1000) > 0)
					n_read += read(c, buf, sizeof(buf)) > 0;
				setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
				close(c);
			}
		}
	}
	for (i = 0; i < n_held; i++)
		close(held[i]);
	(void)n_read;
	return NULL;
}

static pid_t s_server(uint16_t port, const char *const *extra)
{
	char accept[32], cert[96], key[96];
	const char *argv[32] = { "openssl", "s_server", "-quiet", "-www", "-accept", accept,
				 "-cert", cert, "-key", key };
	int n = 10, fd, i;
	pid_t pid;

	snprintf(accept, sizeof(accept), "127.0.0.1:%u", port);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	while (*extra && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		fd = open("/dev/null", 2);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp("openssl", (char *const *)argv);
		_exit(127);
	}
	/* up when it accepts a connection: bounded */
	for (i = 0; i < 100; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int s = socket(AF_INET, SOCK_STREAM, 0), ok;

		ok = !connect(s, (struct sockaddr *)&sa, sizeof(sa));
		close(s);
		if (ok)
			return pid;
		usleep(50000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

static int setup(void **state)
{
	char cmd[512];
	static const char *const b[] = { "-tls1_2", "-cipher", "AES256-SHA:AES128-SHA", NULL };
	static const char *const t13[] = { "-tls1_3", "-ciphersuites",
					   "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256", NULL };
	static const char *const p384[] = { "-tls1_3", "-groups", "P-384", "-ciphersuites",
					    "TLS_AES_128_GCM_SHA256", NULL };
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tlsmon-verify.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=b.lab.test "
		 "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1", dir, dir);
	if (system(cmd))
		return -1;
	port_b = free_port();
	servers[0] = s_server(port_b, b);
	port_13 = free_port();
	servers[1] = s_server(port_13, t13);
	port_p384 = free_port();
	servers[2] = s_server(port_p384, p384);
	bad_fds[0] = listen_any(&port_silent);
	bad_fds[1] = listen_any(&port_text);
	bad_fds[2] = listen_any(&port_reset);
	port_closed = free_port();
	for (i = 0; i < 3; i++)
		if (bad_fds[i] < 0)
			return -1;
	if (servers[0] < 0 || servers[1] < 0 || servers[2] < 0)
		return -1;
	return pthread_create(&bad_thread, NULL, bad_servers, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];
	int i;

	(void)state;
	bad_stop = 1;
	pthread_join(bad_thread, NULL);
	for (i = 0; i < 3; i++)
		close(bad_fds[i]);
	for (i = 0; i < 3; i++)
		if (servers[i] > 0) {
			kill(servers[i], SIGTERM);
			waitpid(servers[i], NULL, 0);
		}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* A Python 3.12-like offer: ECDHE/DHE suites only, TLS 1.2 and 1.3. */
static void target(struct verify_target *t, uint16_t port)
{
	static const uint16_t suites[] = { 0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0xc02b, 0xc02f,
					   0xcca9, 0xcca8, 0x009f, 0x009e, 0xccaa, 0xc0af, 0xc0ad,
					   0xc024, 0xc028, 0xc023, 0xc027, 0x00ff };
	static const uint16_t groups[] = { 0x001d, 0x0017, 0x001e, 0x0019, 0x0018 };
	static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804,
					    0x0805, 0x0806, 0x0401, 0x0501, 0x0601 };
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->family = AF_INET;
	t->addr[10] = t->addr[11] = 0xff;
	t->addr[12] = 127;
	t->addr[15] = 1;
	t->port = port;
	strcpy(t->sni, "b.lab.test");
	t->offer.min_version = 0x0303;
	t->offer.max_version = 0x0304;
	for (i = 0; i < sizeof(suites) / 2; i++)
		if (suites[i] != 0x00ff)
			t->offer.suites[t->offer.n_suites++] = suites[i];
	memcpy(t->offer.groups, groups, sizeof(groups));
	t->offer.n_groups = sizeof(groups) / 2;
	memcpy(t->offer.sigalgs, sigalgs, sizeof(sigalgs));
	t->offer.n_sigalgs = sizeof(sigalgs) / 2;
	memcpy(t->offer.alpn, "\x08http/1.1", 9);
	t->offer.alpn_len = 9;
}

static int has_suite(const struct verify_result *r, uint16_t s)
{
	int i;

	for (i = 0; i < r->n_suites; i++)
		if (r->suites[i] == s)
			return 1;
	return 0;
}

/* Backend B: the replay is refused; TLS 1.2 only; AES256-SHA and AES128-SHA, nothing else. */
static void test_backend_b(void **state)
{
	struct verify_target t;
	struct verify_result r;
	int i;

	(void)state;
	target(&t, port_b);
	verify_run(&t, 8, 3000, &r);
	for (i = 0; i < r.n_probes; i++)
		print_message("# %s: %s %04x %04x alert %u (%u ms)\n", r.probes[i].what,
			      verify_res_name(r.probes[i].res), r.probes[i].version,
			      r.probes[i].suite, r.probes[i].alert, r.probes[i].ms);
	assert_int_equal(r.probes[0].res, VERIFY_ALERT);
	assert_int_equal(r.probes[0].alert, 40);	/* handshake_failure */
	assert_int_equal(r.verdict, VERIFY_CONFIRMED);
	assert_int_equal(r.versions, 1u << 2);		/* TLS 1.2 alone */
	assert_int_equal(r.n_suites, 2);
	assert_true(has_suite(&r, 0x0035));
	assert_true(has_suite(&r, 0x002f));
	assert_true(r.suites_complete);
	assert_int_equal(r.shared, 0);
	assert_int_equal(r.cause, REASON_NO_SHARED_CIPHER);
	assert_int_equal(r.groups, -1);		/* no key exchange that uses them */
	/* replay, four versions, two more suite searches: the second one refused */
	assert_int_equal(r.n_probes, 7);
	assert_int_equal(r.probes[6].res, VERIFY_ALERT);
	/* a bound below that: cut, and said so */
	verify_run(&t, 5, 3000, &r);
	assert_int_equal(r.n_probes, 5);
	assert_false(r.suites_complete);
	assert_int_equal(r.cause, REASON_NONE);
}

/* The same offer with AES128-SHA in it: the replay is accepted, not the offer's fault. */
static void test_replay_accepted(void **state)
{
	struct verify_target t;
	struct verify_result r;

	(void)state;
	target(&t, port_b);
	t.offer.suites[t.offer.n_suites++] = 0x002f;
	verify_run(&t, 1, 3000, &r);
	assert_int_equal(r.n_probes, 1);
	assert_int_equal(r.probes[0].res, VERIFY_ACCEPTED);
	assert_int_equal(r.probes[0].suite, 0x002f);
	assert_int_equal(r.probes[0].version, 0x0303);
	assert_int_equal(r.verdict, VERIFY_NOT_REPRODUCED);
}

/* TLS 1.3 only: a TLS 1.2 client is refused for its version. */
static void test_tls13_only(void **state)
{
	struct verify_target t;
	struct verify_result r;

	(void)state;
	target(&t, port_13);
	t.offer.max_version = 0x0303;
	verify_run(&t, 8, 3000, &r);
	assert_int_equal(r.probes[0].res, VERIFY_ALERT);
	assert_int_equal(r.probes[0].alert, 70);	/* protocol_version */
	assert_int_equal(r.verdict, VERIFY_CONFIRMED);
	assert_int_equal(r.versions, 1u << 3);
	assert_int_equal(r.n_suites, 2);
	assert_true(has_suite(&r, 0x1302));
	assert_true(has_suite(&r, 0x1301));
	assert_true(r.suites_complete);
	assert_int_equal(r.cause, REASON_VERSION_MISMATCH);
}

/* TLS 1.3 with P-384 only, a client with X25519 and P-256: the groups are the cause. */
static void test_groups(void **state)
{
	struct verify_target t;
	struct verify_result r;
	int i;

	(void)state;
	target(&t, port_p384);
	t.offer.min_version = 0x0304;
	t.offer.n_groups = 2;		/* x25519, secp256r1 */
	verify_run(&t, 8, 3000, &r);
	for (i = 0; i < r.n_probes; i++)
		print_message("# %s: %s %04x %04x alert %u\n", r.probes[i].what,
			      verify_res_name(r.probes[i].res), r.probes[i].version,
			      r.probes[i].suite, r.probes[i].alert);
	assert_int_equal(r.probes[0].res, VERIFY_ALERT);
	assert_int_equal(r.verdict, VERIFY_CONFIRMED);
	assert_int_equal(r.versions, 1u << 3);
	assert_int_equal(r.n_suites, 1);
	assert_int_equal(r.suites[0], 0x1301);
	assert_int_equal(r.shared, 1);		/* the suite was not the problem */
	assert_int_equal(r.groups, 0);		/* the groups were */
	assert_int_equal(r.n_probes, 7);
	/* with P-384 among the client's groups the same probe is accepted */
	t.offer.groups[t.offer.n_groups++] = 0x0018;
	verify_run(&t, 8, 3000, &r);
	assert_int_equal(r.verdict, VERIFY_NOT_REPRODUCED);
	assert_int_equal(r.groups, 1);
}

/* Bad servers: each probe gives up within its timeout and says why. */
static void check_bad(uint16_t port, enum verify_res want, unsigned timeout_ms)
{
	struct verify_target t;
	struct verify_result r;
	uint64_t t0 = now_ms();

	target(&t, port);
	verify_run(&t, 8, timeout_ms, &r);
	print_message("# port %u: %s in %u ms\n", port, verify_res_name(r.probes[0].res),
		      r.probes[0].ms);
	assert_int_equal(r.probes[0].res, want);
	/* nothing more is asked of a server that does not speak TLS */
	assert_int_equal(r.n_probes, 1);
	assert_int_equal(r.verdict, VERIFY_INCONCLUSIVE);
	assert_true(now_ms() - t0 <= timeout_ms + 250);
}

static void test_silent(void **state)
{
	(void)state;
	check_bad(port_silent, VERIFY_TIMEOUT, 700);
}

static void test_plain_text(void **state)
{
	(void)state;
	check_bad(port_text, VERIFY_NOT_TLS, 2000);
}

static void test_reset(void **state)
{
	(void)state;
	check_bad(port_reset, VERIFY_RESET, 2000);
}

static void test_refused(void **state)
{
	(void)state;
	check_bad(port_closed, VERIFY_REFUSED, 2000);
}

/* A record of a failure at B, as the collector settles it. */
static void b_record(struct hs_record *r, struct tls_client_hello *ch, uint64_t id)
{
	struct verify_target t;

	target(&t, port_b);
	memset(ch, 0, sizeof(*ch));
	memset(r, 0, sizeof(*r));
	ch->flags = TLS_CHF_SNI | TLS_CHF_ALPN;
	ch->legacy_version = 0x0303;
	memcpy(ch->ciphers, t.offer.suites, t.offer.n_suites * 2);
	ch->n_ciphers = t.offer.n_suites;
	ch->versions[0] = 0x0304;
	ch->versions[1] = 0x0303;
	ch->n_versions = 2;
	memcpy(ch->sni, "b.lab.test", 10);
	ch->sni_len = 10;
	memcpy(ch->alpn, t.offer.alpn, t.offer.alpn_len);
	ch->alpn_len = t.offer.alpn_len;
	r->id = id;
	r->family = AF_INET;
	memcpy(r->saddr, t.addr, 16);
	r->sport = port_b;
	r->ch = ch;
	r->outcome = OUTCOME_FAILED;
	r->reason = REASON_OTHER_ALERT;
	r->alerts[0] = (struct rec_alert){ .sender = SIDE_SERVER, .level = 2, .desc = 40 };
	r->n_alerts = 1;
}

static struct verify_result got;
static int n_got;

static void on_result(void *ctx, const struct verify_result *res)
{
	(void)ctx;
	got = *res;
	n_got++;
}

/* The verifier: one verification per server per interval; others counted, never run. */
static void test_verifier_bounds(void **state)
{
	struct verify_opts o = { .interval_s = 600, .timeout_ms = 3000, .max_probes = 8,
				 .rate_ms = 1000, .queue_len = 2 };
	struct verify *v = verify_new(&o);
	struct tls_client_hello ch;
	struct hs_record r;
	struct verify_stats st;
	uint64_t t0;
	int i;

	(void)state;
	assert_non_null(v);
	b_record(&r, &ch, 7);
	assert_true(verify_target_wanted(&r));
	t0 = now_ms();
	verify_record(v, &r);
	/* the collector's side never waits for a probe */
	assert_true(now_ms() - t0 < 100);
	r.id = 8;
	verify_record(v, &r);		/* within the interval: not again */
	for (i = 0; i < 200 && !n_got; i++) {
		usleep(50000);
		verify_poll(v, on_result, NULL);
	}
	assert_int_equal(n_got, 1);
	assert_int_equal(got.t.record_id, 7);
	assert_string_equal(got.t.sni, "b.lab.test");
	assert_int_equal(got.verdict, VERIFY_CONFIRMED);
	assert_false(verify_confirms(&r));	/* until the collector's hook sets it */
	r.verified = verify_lookup(v, r.saddr, r.sport);
	assert_non_null(r.verified);
	assert_true(verify_confirms(&r));
	verify_stats(v, &st);
	assert_int_equal(st.submitted, 2);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.skipped_interval, 1);
	assert_int_equal(st.probes[VERIFY_ACCEPTED] + st.probes[VERIFY_ALERT], got.n_probes);
	/* an established handshake, or one the server answered, asks for nothing */
	r.outcome = OUTCOME_ESTABLISHED;
	assert_false(verify_target_wanted(&r));
	r.outcome = OUTCOME_FAILED;
	r.alerts[0].sender = SIDE_CLIENT;
	assert_false(verify_target_wanted(&r));
	verify_free(v);
}

/* A full queue drops, counted; nothing blocks. */
static void test_verifier_queue(void **state)
{
	struct verify_opts o = { .interval_s = 600, .timeout_ms = 700, .max_probes = 1,
				 .rate_ms = 1000, .queue_len = 1, .max_servers = 2 };
	struct verify *v = verify_new(&o);
	struct tls_client_hello ch;
	struct hs_record r;
	struct verify_stats st;
	uint64_t t0 = now_ms();

	(void)state;
	b_record(&r, &ch, 1);
	r.sport = port_silent;		/* the worker is busy for a whole timeout */
	verify_record(v, &r);
	usleep(100000);
	r.sport = port_text;		/* queued */
	verify_record(v, &r);
	r.sport = port_reset;		/* no room in the queue, nor in the table */
	verify_record(v, &r);
	assert_true(now_ms() - t0 < 500);
	verify_stats(v, &st);
	assert_int_equal(st.submitted, 3);
	/* two servers remembered, neither past its interval: the third is not run */
	assert_int_equal(st.dropped_table, 1);
	assert_int_equal(st.dropped_queue, 0);
	/* stopping waits for the probe in progress only: within its timeout */
	t0 = now_ms();
	verify_free(v);
	assert_true(now_ms() - t0 <= 700 + 250);

	/* room for the servers, not in the queue */
	o.max_servers = 8;
	v = verify_new(&o);
	r.sport = port_silent;
	verify_record(v, &r);
	usleep(100000);
	r.sport = port_text;
	verify_record(v, &r);
	r.sport = port_reset;
	verify_record(v, &r);
	verify_stats(v, &st);
	assert_int_equal(st.dropped_table, 0);
	assert_int_equal(st.dropped_queue, 1);
	verify_free(v);
}

static struct verify_result rate_got[2];
static int n_rate;

static void on_rate(void *ctx, const struct verify_result *res)
{
	(void)ctx;
	if (n_rate < 2)
		rate_got[n_rate] = *res;
	n_rate++;
}

/* The global rate cap: two servers, two verifications, the second a second after the first. */
static void test_verifier_rate(void **state)
{
	struct verify_opts o = { .interval_s = 600, .timeout_ms = 3000, .max_probes = 2,
				 .rate_ms = 1000 };
	struct verify *v = verify_new(&o);
	struct tls_client_hello ch;
	struct hs_record r;
	struct rusage ru0, ru1;
	uint64_t cpu_us;
	int i;

	(void)state;
	getrusage(RUSAGE_SELF, &ru0);
	b_record(&r, &ch, 1);
	verify_record(v, &r);
	r.sport = port_13;
	r.id = 2;
	verify_record(v, &r);
	for (i = 0; i < 100 && n_rate < 2; i++) {
		usleep(50000);
		verify_poll(v, on_rate, NULL);
	}
	assert_int_equal(n_rate, 2);
	assert_int_equal(rate_got[0].t.record_id, 1);
	assert_int_equal(rate_got[1].t.record_id, 2);
	assert_true(rate_got[1].start_ns - rate_got[0].end_ns >= 990000000ull);
	assert_int_equal(rate_got[0].n_probes, 2);	/* the bound */
	verify_free(v);
	/* the wait sleeps: well under the second it lasts in CPU time */
	getrusage(RUSAGE_SELF, &ru1);
	cpu_us = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
		  ru0.ru_stime.tv_sec) * 1000000ull + ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
		 ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec;
	print_message("# cpu %llu us\n", (unsigned long long)cpu_us);
	assert_true(cpu_us < 400000);
}

/* The client's bytes, hostile: a SNI with a NUL is not sent; a cut ALPN list keeps whole names. */
static void test_target_hostile(void **state)
{
	struct tls_client_hello ch;
	struct verify_target t;
	struct hs_record r;

	(void)state;
	b_record(&r, &ch, 3);
	memcpy(ch.sni, "a\0b.test", 8);
	ch.sni_len = 8;
	/* "h2" whole, then a 200-byte name the capture kept only the start of */
	memset(ch.alpn, 'a', sizeof(ch.alpn));
	memcpy(ch.alpn, "\x02h2\xc8", 4);
	ch.alpn_len = 3 + 201;
	ch.flags |= TLS_CHF_TRUNC_ALPN;
	assert_int_equal(verify_target_from(&r, &t), 0);
	assert_string_equal(t.sni, "");
	assert_int_equal(t.offer.alpn_len, 3);
	assert_memory_equal(t.offer.alpn, "\x02h2", 3);
	/* GREASE and the renegotiation SCSV are no suites */
	ch.ciphers[0] = 0x2a2a;
	ch.ciphers[1] = 0x00ff;
	ch.n_ciphers = 3;
	ch.ciphers[2] = 0x0035;
	assert_int_equal(verify_target_from(&r, &t), 0);
	assert_int_equal(t.offer.n_suites, 1);
	assert_int_equal(t.offer.suites[0], 0x0035);
	/* no ClientHello: nothing to replay */
	r.ch = NULL;
	assert_int_equal(verify_target_from(&r, &t), -1);
}

/* Every output of a result: valid JSON whatever the SNI held, no raw control byte in the line. */
static void test_outputs_escaped(void **state)
{
	static const char hostile[] = "x\"\\\x1b[31m\n\xff\x01.test";
	struct verify_result res;
	struct jbuf b;
	char line[2048];
	const char *err;
	size_t i;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.t.family = AF_INET;
	res.t.addr[10] = res.t.addr[11] = 0xff;
	res.t.addr[12] = 10;
	res.t.port = 443;
	strcpy(res.t.sni, hostile);
	strcpy(res.t.reason_label, "other_alert:handshake_failure");
	for (i = 0; i < VERIFY_RES_MAX && i < VERIFY_MAX_PROBES; i++) {
		res.probes[i].res = i;
		snprintf(res.probes[i].what, sizeof(res.probes[i].what), "probe %zu", i);
		res.probes[i].alert = 40;
		res.probes[i].version = 0x0303;
		res.probes[i].suite = 0x0035;
	}
	res.n_probes = i;
	res.versions = 1u << 2;
	res.suites[0] = 0x0035;
	res.suites[1] = 0x9999;		/* unnamed: printed as hex */
	res.n_suites = 2;
	res.cause = REASON_NO_SHARED_CIPHER;
	jbuf_init(&b);
	out_verify_json(&b, &res);
	err = jc_check(b.s, b.len);
	assert_null(err);
	jbuf_reset(&b);
	jbuf_obj_open(&b);
	jbuf_u64(&b, "id", 1);
	out_verify_brief(&b, &res);
	jbuf_obj_close(&b);
	err = jc_check(b.s, b.len);
	assert_null(err);
	jbuf_free(&b);
	out_verify_text(&res, line, sizeof(line));
	for (i = 0; line[i]; i++)
		assert_true((unsigned char)line[i] >= 0x20 && (unsigned char)line[i] != 0x7f);
	assert_non_null(strstr(line, "VERIFIED confirmed 10.0.0.0:443"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_b),
		cmocka_unit_test(test_replay_accepted),
		cmocka_unit_test(test_tls13_only),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_verifier_bounds),
		cmocka_unit_test(test_verifier_queue),
		cmocka_unit_test(test_verifier_rate),
		cmocka_unit_test(test_target_hostile),
		cmocka_unit_test(test_outputs_escaped),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("verify", tests, setup, teardown);
}
