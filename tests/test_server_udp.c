// SPDX-License-Identifier: GPL-2.0-only
/* DNS over UDP against live workers on loopback: IPv4 and IPv6, bursts that
 * fill recvmmsg batches, replies equal to the engine's own, silence for what
 * must not be answered, and the right source address on a wildcard bind. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <urcu.h>

#include "engine.h"
#include "server_udp.h"
#include "zone_fixture.h"
#include "zone_store.h"

static struct zone_store *zs;
static struct engine *eng;
static struct server_udp *srv;
static struct server_addr addrs[3];	/* 127.0.0.1, ::1, 0.0.0.0: one port */

static int setup(void **state)
{
	struct server_udp_opts o = { .threads = 2, .addrs = addrs, .naddrs = 3 };
	char err[512], text[32];
	struct zone *z;
	int i, port;

	(void)state;
	rcu_register_thread();
	if (zone_store_new(&zs) ||
	    zone_load_file("tests/zones/engine/example.com.zone", &z, err, sizeof(err)) ||
	    zone_store_publish(zs, z) || engine_new(&eng, zs, NULL))
		return -1;
	o.engine = eng;
	srand(getpid() ^ 0x5a5a);
	for (i = 0; i < 20; i++) {
		port = 20000 + rand() % 40000;
		snprintf(text, sizeof(text), "127.0.0.1@%d", port);
		server_addr_parse(text, 53, &addrs[0]);
		snprintf(text, sizeof(text), "[::1]@%d", port);
		server_addr_parse(text, 53, &addrs[1]);
		/* 0.0.0.0 beside 127.0.0.1 on one port: 127.0.0.2 reaches it */
		snprintf(text, sizeof(text), "0.0.0.0@%d", port);
		server_addr_parse(text, 53, &addrs[2]);
		if (!server_udp_start(&srv, &o))
			return 0;
	}
	return -1;
}

static int teardown(void **state)
{
	(void)state;
	server_udp_stop(srv);
	engine_free(eng);
	zone_store_free(zs);
	rcu_unregister_thread();
	return 0;
}

static int client(int family)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	return fd;
}

static ssize_t recv_timeout(int fd, uint8_t *buf, size_t cap, int ms, struct sockaddr_storage *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t flen = sizeof(*from);

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &flen);
}

static void test_burst_v4_v6(void **state)
{
	static const char *names[] = { "www.example.com.", "mail.example.com.", "nope.example.com.",
				       "example.com.", "a.b.wild.example.com." };
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	uint8_t q[512], r[4096], direct[4096];
	struct sockaddr_storage from;
	bool seen[400] = { false };
	int fds[2], f, i, got = 0;
	size_t qlen, dlen;
	ssize_t n;

	(void)state;
	fds[0] = client(AF_INET);
	fds[1] = client(AF_INET6);
	for (f = 0; f < 2; f++) {
		int rcv = 1 << 20;

		setsockopt(fds[f], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	/* 400 queries at once: several full recvmmsg batches per worker */
	for (i = 0; i < 400; i++) {
		struct fx_query_opts o = { .id = i, .edns = i & 1 };

		f = i % 2;
		qlen = fx_query(q, names[i % 5], i % 3 ? DNS_TYPE_A : DNS_TYPE_AAAA, &o);
		assert_int_equal(sendto(fds[f], q, qlen, 0, (struct sockaddr *)&addrs[f].ss,
					addrs[f].len), qlen);
	}
	for (f = 0; f < 2; f++) {
		while ((n = recv_timeout(fds[f], r, sizeof(r), 1000, &from)) > 0) {
			struct fx_query_opts o;

			i = dns_get16(r);
			assert_true(i < 400 && !seen[i] && i % 2 == f);
			seen[i] = true;
			got++;
			/* byte for byte what the engine answers */
			o = (struct fx_query_opts){ .id = i, .edns = i & 1 };
			qlen = fx_query(q, names[i % 5], i % 3 ? DNS_TYPE_A : DNS_TYPE_AAAA, &o);
			assert_int_equal(engine_answer(eng, &p, q, qlen, direct, sizeof(direct), &dlen),
					 ENGINE_DONE);
			assert_int_equal(n, dlen);
			assert_memory_equal(r, direct, dlen);
		}
	}
	assert_int_equal(got, 400);
	close(fds[0]);
	close(fds[1]);
}

static void test_no_reply_to_responses(void **state)
{
	struct sockaddr_storage from;
	uint8_t q[512], r[512];
	size_t qlen;
	int fd;

	(void)state;
	fd = client(AF_INET);
	qlen = fx_query(q, "www.example.com.", DNS_TYPE_A, NULL);
	q[2] |= 0x80;	/* QR: a response, reflected at us perhaps */
	sendto(fd, q, qlen, 0, (struct sockaddr *)&addrs[0].ss, addrs[0].len);
	sendto(fd, q, 5, 0, (struct sockaddr *)&addrs[0].ss, addrs[0].len);
	assert_true(recv_timeout(fd, r, sizeof(r), 300, &from) < 0);
	/* while a query right after is answered */
	q[2] &= 0x7f;
	sendto(fd, q, qlen, 0, (struct sockaddr *)&addrs[0].ss, addrs[0].len);
	assert_true(recv_timeout(fd, r, sizeof(r), 1000, &from) > 0);
	close(fd);
}

static void test_truncated_over_udp(void **state)
{
	struct sockaddr_storage from;
	uint8_t q[512], r[4096];
	struct fx_query_opts o = { .edns = true, .udp_size = 4096 };
	size_t qlen;
	ssize_t n;
	int fd;

	(void)state;
	fd = client(AF_INET6);
	qlen = fx_query(q, "big.example.com.", DNS_TYPE_TXT, &o);
	sendto(fd, q, qlen, 0, (struct sockaddr *)&addrs[1].ss, addrs[1].len);
	n = recv_timeout(fd, r, sizeof(r), 1000, &from);
	assert_true(n > 0 && n <= 1232);
	assert_true(dns_get16(r + 2) & DNS_FLAG_TC);
	close(fd);
}

/* A wildcard bind answers from the address the query was sent to. */
static void test_wildcard_source_address(void **state)
{
	struct sockaddr_in to = *(struct sockaddr_in *)&addrs[2].ss;
	struct sockaddr_storage from;
	uint8_t q[512], r[512];
	size_t qlen;
	int fd;

	(void)state;
	fd = client(AF_INET);
	inet_pton(AF_INET, "127.0.0.2", &to.sin_addr);
	qlen = fx_query(q, "www.example.com.", DNS_TYPE_A, NULL);
	assert_int_equal(sendto(fd, q, qlen, 0, (struct sockaddr *)&to, sizeof(to)), qlen);
	assert_true(recv_timeout(fd, r, sizeof(r), 1000, &from) > 0);
	assert_int_equal(from.ss_family, AF_INET);
	assert_memory_equal(&((struct sockaddr_in *)&from)->sin_addr, &to.sin_addr, 4);
	assert_int_equal(((struct sockaddr_in *)&from)->sin_port, to.sin_port);
	close(fd);
}

static void test_port_taken(void **state)
{
	struct server_udp_opts o = { .engine = eng, .threads = 1, .addrs = addrs, .naddrs = 1 };
	struct server_udp *again = NULL;

	(void)state;
	/* SO_REUSEPORT must not let a second server share the port */
	assert_int_equal(server_udp_start(&again, &o), -EADDRINUSE);
	assert_null(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_v4_v6),
		cmocka_unit_test(test_no_reply_to_responses),
		cmocka_unit_test(test_truncated_over_udp),
		cmocka_unit_test(test_wildcard_source_address),
		cmocka_unit_test(test_port_taken),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
