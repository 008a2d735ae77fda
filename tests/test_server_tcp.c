// SPDX-License-Identifier: GPL-2.0-only
/* DNS over TCP against a live server on loopback: framing, pipelining, the
 * idle timeout a trickling client cannot extend, the connection limit, and a
 * client that stops reading without holding up anyone else. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <urcu.h>

#include "engine.h"
#include "server_tcp.h"
#include "zone_fixture.h"
#include "zone_store.h"

#define IDLE_MS		400
#define MAX_CONNS	4

static struct zone_store *zs;
static struct engine *eng;
static struct server_tcp *srv;
static struct server_addr addr;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
	struct server_tcp_opts o = { .threads = 1, .idle_ms = IDLE_MS, .max_conns = MAX_CONNS,
				     .naddrs = 1 };
	char err[512], text[32];
	struct zone *z;
	int i;

	(void)state;
	rcu_register_thread();
	if (zone_store_new(&zs) ||
	    zone_load_file("tests/zones/engine/example.com.zone", &z, err, sizeof(err)) ||
	    zone_store_publish(zs, z) || engine_new(&eng, zs, NULL))
		return -1;
	o.engine = eng;
	o.addrs = &addr;
	/* A free port: try a few at random. */
	srand(getpid());
	for (i = 0; i < 20; i++) {
		snprintf(text, sizeof(text), "127.0.0.1@%d", 20000 + rand() % 40000);
		if (server_addr_parse(text, 53, &addr))
			return -1;
		if (!server_tcp_start(&srv, &o))
			return 0;
	}
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	server_tcp_stop(srv);
	engine_free(eng);
	zone_store_free(zs);
	rcu_unregister_thread();
	return 0;
}

static int connect_srv(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr.ss, addr.len), 0);
	return fd;
}

/* One framed query for name/type, appended at buf; returns its length. */
static size_t framed(uint8_t *buf, const char *name, uint16_t type, uint16_t id)
{
	struct fx_query_opts o = { .id = id };
	size_t len = fx_query(buf + 2, name, type, &o);

	dns_put16(buf, len);
	return len + 2;
}

/* Reads exactly n bytes within timeout_ms; returns bytes read (less on EOF). */
static size_t read_full(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

/* Reads one framed reply; returns its length, or -1. */
static int read_reply(int fd, uint8_t *buf, int timeout_ms)
{
	uint8_t hdr[2];
	size_t len;

	if (read_full(fd, hdr, 2, timeout_ms) != 2)
		return -1;
	len = dns_get16(hdr);
	if (read_full(fd, buf, len, timeout_ms) != len)
		return -1;
	return len;
}

/* True when the server closed fd within timeout_ms. */
static bool closed_within(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t b[512];
	uint64_t end = now_ms() + timeout_ms;
	ssize_t r;

	while (now_ms() < end) {
		if (poll(&p, 1, (int)(end - now_ms())) <= 0)
			return false;
		r = read(fd, b, sizeof(b));
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

/* The same without reading: the reset or FIN shows as a hang-up. */
static bool hung_up_within(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static void test_one_query(void **state)
{
	uint8_t q[300], r[DNS_TCP_MAX];
	struct engine_query_params p = { .proto = ENGINE_PROTO_TCP };
	uint8_t direct[DNS_TCP_MAX];
	size_t qlen, dlen;
	int fd, n;

	(void)state;
	fd = connect_srv();
	qlen = framed(q, "big.example.com.", DNS_TYPE_TXT, 0x1111);
	assert_int_equal(write(fd, q, qlen), qlen);
	n = read_reply(fd, r, 2000);
	assert_true(n > 4000);	/* 40 TXT records: never truncated over TCP */
	/* the same bytes the engine gives directly */
	assert_int_equal(engine_answer(eng, &p, q + 2, qlen - 2, direct, sizeof(direct), &dlen),
			 ENGINE_DONE);
	assert_int_equal(n, dlen);
	assert_memory_equal(r, direct, dlen);
	close(fd);
}

static void test_pipelined(void **state)
{
	static const char *names[] = { "www.example.com.", "mail.example.com.", "nope.example.com.",
				       "example.com." };
	uint8_t q[1024], r[DNS_TCP_MAX];
	struct fx_reply rep;
	size_t len = 0;
	int fd, i, n;

	(void)state;
	fd = connect_srv();
	for (i = 0; i < 4; i++)
		len += framed(q + len, names[i], DNS_TYPE_A, 100 + i);
	assert_int_equal(write(fd, q, len), len);
	for (i = 0; i < 4; i++) {
		n = read_reply(fd, r, 2000);
		assert_true(n > 0);
		assert_int_equal(fx_parse(r, n, &rep), 0);
		assert_int_equal(rep.id, 100 + i);	/* in order */
	}
	assert_int_equal(rep.flags & DNS_RCODE_MASK, DNS_RCODE_NOERROR);
	close(fd);
}

static void test_byte_by_byte(void **state)
{
	uint8_t q[300], r[1024];
	struct fx_reply rep;
	size_t len, i;
	int fd, n;

	(void)state;
	fd = connect_srv();
	len = framed(q, "www.example.com.", DNS_TYPE_A, 7);
	for (i = 0; i < len; i++) {
		assert_int_equal(write(fd, q + i, 1), 1);
		usleep(2000);
	}
	n = read_reply(fd, r, 2000);
	assert_true(n > 0);
	assert_int_equal(fx_parse(r, n, &rep), 0);
	assert_int_equal(rep.an, 2);
	close(fd);
}

static void test_idle_timeout(void **state)
{
	uint64_t t0 = now_ms();
	int fd;

	(void)state;
	fd = connect_srv();
	assert_true(closed_within(fd, IDLE_MS + 2000));
	assert_true(now_ms() - t0 >= IDLE_MS - 50);
	close(fd);
}

/* A client trickling a query one byte at a time is closed after the idle
 * timeout, counted from its last whole query and not from its last byte;
 * another client meanwhile is answered at once. */
static void test_slowloris(void **state)
{
	uint8_t q[300], r[1024];
	uint64_t t0, t1;
	int slow, fast, i, n;
	size_t len;

	(void)state;
	slow = connect_srv();
	t0 = now_ms();
	/* announces 300 bytes, sends them at 10 per second */
	assert_int_equal(send(slow, "\x01\x2c", 2, MSG_NOSIGNAL), 2);
	for (i = 0; i < 3; i++) {
		usleep(100000);
		assert_int_equal(send(slow, "x", 1, MSG_NOSIGNAL), 1);
		fast = connect_srv();
		len = framed(q, "www.example.com.", DNS_TYPE_A, i);
		t1 = now_ms();
		assert_int_equal(write(fast, q, len), len);
		n = read_reply(fast, r, 1000);
		assert_true(n > 0);
		assert_true(now_ms() - t1 < 200);
		close(fast);
	}
	assert_true(closed_within(slow, IDLE_MS + 2000));
	assert_true(now_ms() - t0 >= IDLE_MS - 50);
	assert_true(now_ms() - t0 < IDLE_MS + 300);
	close(slow);
}

static void test_connection_limit(void **state)
{
	uint8_t q[300], r[1024];
	int fds[MAX_CONNS + 1], i, n;
	size_t len;

	(void)state;
	usleep(100000);	/* earlier tests' connections are gone */
	for (i = 0; i < MAX_CONNS; i++)
		fds[i] = connect_srv();
	fds[MAX_CONNS] = connect_srv();
	/* the one over the limit is closed without an answer */
	assert_true(closed_within(fds[MAX_CONNS], 1000));
	len = framed(q, "www.example.com.", DNS_TYPE_A, 1);
	for (i = 0; i < MAX_CONNS; i++) {
		assert_int_equal(write(fds[i], q, len), len);
		n = read_reply(fds[i], r, 1000);
		assert_true(n > 0);
	}
	for (i = 0; i <= MAX_CONNS; i++)
		close(fds[i]);
	/* and the slots come back */
	usleep(100000);
	fds[0] = connect_srv();
	assert_int_equal(write(fds[0], q, len), len);
	assert_true(read_reply(fds[0], r, 1000) > 0);
	close(fds[0]);
}

/* A client that sends and never reads fills its socket and our buffer, then
 * is no longer read from; others are served all along. */
static void test_stalled_reader(void **state)
{
	static uint8_t burst[200 * 40];
	uint8_t q[300], r[1024];
	size_t len = 0, one;
	int stalled, fast, i, n, rcvbuf = 4096;
	ssize_t w;

	(void)state;
	usleep(IDLE_MS * 1000 + 200000);
	stalled = connect_srv();
	setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	one = framed(q, "big.example.com.", DNS_TYPE_TXT, 9);
	while (len + one <= sizeof(burst)) {
		memcpy(burst + len, q, one);
		len += one;
	}
	/* each 25-byte query yields 4 KiB: 8 KiB of queries ask for ~1.3 MiB */
	for (i = 0; i < 3; i++) {
		w = send(stalled, burst, len, MSG_DONTWAIT);
		if (w < 0)
			break;
	}
	for (i = 0; i < 5; i++) {
		fast = connect_srv();
		len = framed(q, "mail.example.com.", DNS_TYPE_A, i);
		assert_int_equal(write(fast, q, len), len);
		n = read_reply(fast, r, 500);
		assert_true(n > 0);
		close(fast);
	}
	/* it never reads: closed by the idle timeout */
	assert_true(hung_up_within(stalled, IDLE_MS + 2000));
	close(stalled);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_query),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_slowloris),
		cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_stalled_reader),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
