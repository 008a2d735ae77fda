// SPDX-License-Identifier: GPL-2.0-only
/* The health checker against servers in this process: an HTTP server whose
 * status flips (down after fall failures, up after rise successes), a body
 * that does not match, a closed port, a TLS server with a self-signed
 * certificate (verify on and off); first probes spread over the interval;
 * spec validation naming the field; slots kept across a reopen. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "health.h"
#include "health_probe.h"

/* ---- servers ---- */

struct server {
	int		lfd;
	int		port;
	pthread_t	thread;
	volatile int	status;		/* HTTP status to answer */
	const char	*body;
	SSL_CTX		*tls;		/* HTTPS when set */
	volatile bool	stop;
	/* Accept times (ms since start), for the spread test. */
	uint64_t	t0;
	int		naccepts;
	int		buckets[64];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_any(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1024), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void serve_one(struct server *s, int fd)
{
	char req[2048], resp[512];
	SSL *ssl = NULL;
	int n = 0, len;
	struct timeval tv = { .tv_sec = 2 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (s->tls) {
		ssl = SSL_new(s->tls);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1)
			goto out;
		n = SSL_read(ssl, req, sizeof(req) - 1);
	} else {
		n = recv(fd, req, sizeof(req) - 1, 0);
	}
	if (n <= 0)
		goto out;
	len = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n\r\n%s", s->status, strlen(s->body), s->body);
	if (ssl)
		SSL_write(ssl, resp, len);
	else
		send(fd, resp, len, MSG_NOSIGNAL);
out:
	if (ssl) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	uint64_t t;
	int fd;

	while (!s->stop) {
		if (poll(&p, 1, 100) != 1)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		t = (now_ms() - s->t0) / 500;
		s->buckets[t < 64 ? t : 63]++;
		s->naccepts++;
		if (s->body)
			serve_one(s, fd);
		else
			close(fd);	/* a TCP check: connecting is all */
	}
	return NULL;
}

static void server_start(struct server *s, const char *body, SSL_CTX *tls)
{
	memset(s, 0, sizeof(*s));
	s->status = 200;
	s->body = body;
	s->tls = tls;
	s->t0 = now_ms();
	s->lfd = listen_any(&s->port);
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
	s->stop = true;
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

/* A self-signed certificate for "localhost", made here. */
static SSL_CTX *tls_server_ctx(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	SSL_CTX *ctx;

	assert_non_null(key);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
				   -1, 0);
	X509_set_issuer_name(x, n);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	ctx = SSL_CTX_new(TLS_server_method());
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

/* ---- helpers ---- */

static struct fp_health bits;

static void spec_of(struct health_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void spec_of(struct health_spec *spec, const char *fmt, ...)
{
	char buf[1024], field[64], msg[256];
	json_t *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o = json_loads(buf, 0, NULL);
	assert_non_null(o);
	if (health_spec_from_json(o, NULL, spec, field, sizeof(field), msg, sizeof(msg)))
		fail_msg("%s: %s: %s", buf, field, msg);
	json_decref(o);
	snprintf(spec->account, sizeof(spec->account), "acme");
}

static void create(struct health *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void create(struct health *h, const char *fmt, ...)
{
	struct health_spec spec;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	spec_of(&spec, "%s", buf);
	assert_int_equal(health_create(h, &spec), 0);
}

/* The check's state.status ("up", "down", "unknown"). */
static const char *status_of(struct health *h, const char *name, char *buf)
{
	json_t *o = health_get_json(h, name, NULL);

	assert_non_null(o);
	snprintf(buf, 16, "%s", json_string_value(json_object_get(json_object_get(o, "state"),
								  "status")));
	json_decref(o);
	return buf;
}

/* Waits up to ms for name's status to be want. */
static bool wait_status(struct health *h, const char *name, const char *want, int ms)
{
	char buf[16];
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		if (!strcmp(status_of(h, name, buf), want))
			return true;
		usleep(50000);
	}
	fprintf(stderr, "%s: %s, wanted %s\n", name, status_of(h, name, buf), want);
	return false;
}

static bool bit(struct health *h, const char *name)
{
	int slot = health_slot(name, NULL, h);

	assert_true(slot >= 0);
	return __atomic_load_n(&bits.down[slot / 64], __ATOMIC_ACQUIRE) >> (slot % 64) & 1;
}

static int changes_down, changes_up;

static void on_change(const char *name, bool up, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "web"))
		__atomic_fetch_add(up ? &changes_up : &changes_down, 1, __ATOMIC_RELAXED);
}

/* The last SNI a TLS server saw. */
static char sni_seen[256];

static int sni_cb(SSL *ssl, int *alert, void *arg)
{
	const char *n = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)alert;
	(void)arg;
	snprintf(sni_seen, sizeof(sni_seen), "%s", n ? n : "(none)");
	return SSL_TLSEXT_ERR_OK;
}

/* ---- tests ---- */

static void test_probes(void **state)
{
	struct server web, tls, closed_srv;
	struct health *h;
	SSL_CTX *sctx = tls_server_ctx();
	int closed_port;
	char buf[16];
	json_t *o, *last;

	(void)state;
	server_start(&web, "all ok", NULL);
	SSL_CTX_set_tlsext_servername_callback(sctx, sni_cb);
	server_start(&tls, "ok", sctx);
	/* A port that was just listened on and is now closed: refused. */
	closed_port = web.port;
	server_start(&closed_srv, NULL, NULL);
	closed_port = closed_srv.port;
	server_stop(&closed_srv);

	assert_int_equal(health_new(&h, NULL, &bits), 0);
	health_on_change(h, on_change, NULL);
	create(h, "{\"name\":\"web\",\"type\":\"http\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.5,\"fall\":2,\"rise\":2,\"path\":\"/health\"}",
	       web.port);
	create(h, "{\"name\":\"body\",\"type\":\"http\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.5,\"fall\":1,\"rise\":1,\"body\":\"not there\"}",
	       web.port);
	create(h, "{\"name\":\"bodyok\",\"type\":\"http\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.5,\"fall\":1,\"rise\":1,\"body\":\"all ok\"}",
	       web.port);
	create(h, "{\"name\":\"closed\",\"type\":\"tcp\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.5,\"fall\":1,\"rise\":1}", closed_port);
	create(h, "{\"name\":\"open\",\"type\":\"tcp\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.5,\"fall\":1,\"rise\":1}", web.port);
	create(h, "{\"name\":\"tls-verify\",\"type\":\"https\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.9,\"fall\":1,\"rise\":1,\"host\":\"localhost\"}",
	       tls.port);
	create(h, "{\"name\":\"tls-noverify\",\"type\":\"https\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.9,\"fall\":1,\"rise\":1,\"verify\":false,"
	       "\"host\":\"localhost\"}", tls.port);
	/* New checks are unknown, served as healthy. */
	assert_string_equal(status_of(h, "web", buf), "unknown");
	assert_false(bit(h, "web"));
	assert_int_equal(health_start(h), 0);

	assert_true(wait_status(h, "closed", "down", 3000));
	assert_true(bit(h, "closed"));
	assert_true(wait_status(h, "body", "down", 3000));
	assert_true(wait_status(h, "bodyok", "up", 3000));
	assert_true(wait_status(h, "open", "up", 3000));
	assert_true(wait_status(h, "tls-verify", "down", 3000));
	assert_true(wait_status(h, "tls-noverify", "up", 3000));
	assert_true(wait_status(h, "web", "up", 3000));
	assert_false(bit(h, "web"));

	o = health_get_json(h, "tls-verify", NULL);
	last = json_object_get(json_object_get(o, "state"), "last");
	assert_false(json_is_true(json_object_get(last, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(last, "error")), "self-signed"));
	json_decref(o);
	o = health_get_json(h, "body", NULL);
	last = json_object_get(json_object_get(o, "state"), "last");
	assert_int_equal(json_integer_value(json_object_get(last, "status")), 200);
	assert_non_null(strstr(json_string_value(json_object_get(last, "error")), "body"));
	json_decref(o);

	/* "localhost." is sent as "localhost": SNI has no trailing dot. */
	create(h, "{\"name\":\"tls-dot\",\"type\":\"https\",\"target\":\"127.0.0.1:%d\","
	       "\"interval\":1,\"timeout\":0.9,\"fall\":1,\"rise\":1,\"verify\":false,"
	       "\"host\":\"localhost.\"}", tls.port);
	assert_int_equal(health_delete(h, "tls-verify", NULL), 0);
	assert_int_equal(health_delete(h, "tls-noverify", NULL), 0);
	sni_seen[0] = 0;
	assert_true(wait_status(h, "tls-dot", "up", 3000));
	assert_string_equal(sni_seen, "localhost");
	assert_int_equal(health_delete(h, "tls-dot", NULL), 0);

	/* 503: down after two failures, not after one. */
	web.status = 503;
	assert_true(wait_status(h, "web", "down", 3500));
	assert_true(bit(h, "web"));
	o = health_get_json(h, "web", NULL);
	assert_true(json_integer_value(json_object_get(json_object_get(o, "state"),
						       "failures")) >= 2);
	assert_true(json_array_size(json_object_get(o, "history")) >= 3);
	/* Newest first: the first entry failed with the status. */
	last = json_array_get(json_object_get(o, "history"), 0);
	assert_int_equal(json_integer_value(json_object_get(last, "status")), 503);
	json_decref(o);
	web.status = 200;
	assert_true(wait_status(h, "web", "up", 3500));
	assert_false(bit(h, "web"));
	health_free(h);
	assert_int_equal(__atomic_load_n(&changes_down, __ATOMIC_RELAXED), 1);
	assert_int_equal(__atomic_load_n(&changes_up, __ATOMIC_RELAXED), 1);

	server_stop(&web);
	server_stop(&tls);
	SSL_CTX_free(sctx);
}

/* 1,000 checks of 30 s made at once: in the first 3 s about a tenth probe,
 * spread over the six half seconds, never all together. */
static void test_jitter(void **state)
{
	struct server srv;
	struct health *h;
	size_t up, down, unknown;
	uint64_t probes;
	int i, max = 0;

	(void)state;
	server_start(&srv, NULL, NULL);
	assert_int_equal(health_new(&h, NULL, &bits), 0);
	for (i = 0; i < 1000; i++)
		create(h, "{\"name\":\"c%d\",\"type\":\"tcp\",\"target\":\"127.0.0.1:%d\","
		       "\"interval\":30,\"fall\":1,\"rise\":1}", i, srv.port);
	srv.t0 = now_ms();
	assert_int_equal(health_start(h), 0);
	usleep(3000 * 1000);
	health_counts(h, &up, &down, &unknown, &probes);
	health_free(h);
	server_stop(&srv);
	for (i = 0; i < 6; i++)
		max = srv.buckets[i] > max ? srv.buckets[i] : max;
	fprintf(stderr, "jitter: %lu probes in 3 s, at most %d in a half second\n",
		(unsigned long)probes, max);
	/* Expected 100 (binomial, sd 9.5). */
	assert_true(probes >= 50 && probes <= 160);
	assert_true(max <= 50);
	assert_int_equal(down, 0);
	assert_int_equal(up + down + unknown, 1000);
}

static void expect_invalid(const char *body, const char *want_field)
{
	struct health_spec spec;
	char field[64], msg[256];
	json_t *o = json_loads(body, 0, NULL);

	assert_non_null(o);
	if (health_spec_from_json(o, NULL, &spec, field, sizeof(field), msg, sizeof(msg)) !=
	    -EINVAL)
		fail_msg("%s: accepted", body);
	if (strcmp(field, want_field))
		fail_msg("%s: field %s (%s), wanted %s", body, field, msg, want_field);
	assert_true(msg[0]);
	json_decref(o);
}

static void test_spec(void **state)
{
	struct health_spec a, b;
	char field[64], msg[256];
	json_t *j;

	(void)state;
	expect_invalid("{\"type\":\"http\",\"target\":\"198.18.0.2:80\"}", "name");
	expect_invalid("{\"name\":\"Web\",\"type\":\"http\",\"target\":\"198.18.0.2:80\"}", "name");
	expect_invalid("{\"name\":\"w\",\"type\":\"ftp\",\"target\":\"198.18.0.2:80\"}", "type");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\"}", "target");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2\"}", "target");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:0\"}", "target");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"2001:db8::1:80\"}",
		       "target");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"www.example:80\"}",
		       "target");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"interval\":0.5}", "interval");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"interval\":\"30\"}", "interval");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"interval\":5,\"timeout\":5}", "timeout");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"fall\":0}", "fall");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"rise\":11}", "rise");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"expect\":[200,99]}", "expect[1]");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"expect\":[1,2,3,4,5,6,7,8,9]}", "expect");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"path\":\"health\"}", "path");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"path\":\"/a b\"}", "path");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\"a\\r\\nX: y\"}", "host");
	expect_invalid("{\"name\":\"w\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\","
		       "\"path\":\"/\"}", "path");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"verify\":false}", "verify");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"color\":1}", "color");

	/* Defaults, and the JSON out reads back the same. */
	j = json_loads("{\"name\":\"w\",\"type\":\"https\",\"target\":\"[2001:db8::2]:443\","
		       "\"interval\":2.5,\"expect\":[200,204],\"body\":\"ok\",\"host\":\"www.example.com\"}",
		       0, NULL);
	assert_int_equal(health_spec_from_json(j, NULL, &a, field, sizeof(field), msg,
					       sizeof(msg)), 0);
	json_decref(j);
	assert_int_equal(a.interval_ms, 2500);
	assert_int_equal(a.timeout_ms, 1250);	/* half a shorter interval than 5 s */
	assert_int_equal(a.fall, 3);
	assert_int_equal(a.rise, 2);
	assert_true(a.verify);
	assert_string_equal(a.path, "/");
	snprintf(a.account, sizeof(a.account), "acme");
	j = health_spec_json(&a);
	assert_string_equal(json_string_value(json_object_get(j, "target")), "[2001:db8::2]:443");
	assert_int_equal(health_spec_from_json(j, "w", &b, field, sizeof(field), msg,
					       sizeof(msg)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* The path's name must agree with the body's. */
	assert_int_equal(health_spec_from_json(j, "v", &b, field, sizeof(field), msg,
					       sizeof(msg)), -EINVAL);
	assert_string_equal(field, "name");
	json_decref(j);
}

static bool in_use_b(const char *name, void *ctx)
{
	(void)ctx;
	return !strcmp(name, "b");
}

static void test_slots_persist(void **state)
{
	char dir[] = "/tmp/test_health.XXXXXX", cmd[64];
	struct health_spec spec;
	struct store *st;
	struct health *h;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(&st, dir), 0);
	assert_int_equal(health_new(&h, st, &bits), 0);
	create(h, "{\"name\":\"a\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	create(h, "{\"name\":\"b\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	create(h, "{\"name\":\"c\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	spec_of(&spec, "{\"name\":\"a\",\"type\":\"tcp\",\"target\":\"198.18.0.3:80\"}");
	assert_int_equal(health_create(h, &spec), -EEXIST);
	assert_int_equal(health_slot("a", NULL, h), 0);
	assert_int_equal(health_slot("b", NULL, h), 1);
	assert_int_equal(health_slot("c", NULL, h), 2);
	assert_int_equal(health_slot("x", NULL, h), -ENOENT);
	/* RRsets name their own account's checks and the operator's, and no
	 * other account's. */
	assert_int_equal(health_slot("a", "acme", h), 0);
	assert_int_equal(health_slot("a", "other", h), -ENOENT);
	spec_of(&spec, "{\"name\":\"shared\",\"type\":\"tcp\",\"target\":\"198.18.0.4:80\"}");
	snprintf(spec.account, sizeof(spec.account), "%s", HEALTH_SHARED_ACCOUNT);
	assert_int_equal(health_create(h, &spec), 0);
	assert_int_equal(health_slot("shared", "other", h), 3);
	assert_int_equal(health_delete(h, "shared", NULL), 0);
	health_set_in_use(h, in_use_b, NULL);
	assert_int_equal(health_delete(h, "b", NULL), -EBUSY);
	health_set_in_use(h, NULL, NULL);
	assert_int_equal(health_delete(h, "b", "other"), -ENOENT);
	assert_int_equal(health_delete(h, "b", "acme"), 0);
	assert_int_equal(health_delete(h, "b", NULL), -ENOENT);
	/* The lowest free slot. */
	create(h, "{\"name\":\"d\",\"type\":\"http\",\"target\":\"198.18.0.2:80\"}");
	assert_int_equal(health_slot("d", NULL, h), 1);
	spec_of(&spec, "{\"name\":\"c\",\"type\":\"http\",\"target\":\"198.18.0.9:8080\"}");
	assert_int_equal(health_replace(h, &spec, NULL), 0);
	spec_of(&spec, "{\"name\":\"zz\",\"type\":\"http\",\"target\":\"198.18.0.9:8080\"}");
	assert_int_equal(health_replace(h, &spec, NULL), -ENOENT);
	health_free(h);
	store_close(st);

	assert_int_equal(store_open(&st, dir), 0);
	bits.down[0] = ~0ULL;	/* left over: a restart serves everything */
	assert_int_equal(health_new(&h, st, &bits), 0);
	assert_int_equal(bits.down[0], 0);
	assert_int_equal(health_slot("a", NULL, h), 0);
	assert_int_equal(health_slot("d", NULL, h), 1);
	assert_int_equal(health_slot("c", NULL, h), 2);
	assert_int_equal(health_slot("b", NULL, h), -ENOENT);
	{
		json_t *o = health_get_json(h, "c", "acme"), *l;

		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "target")),
				    "198.18.0.9:8080");
		json_decref(o);
		assert_null(health_get_json(h, "c", "other"));
		l = health_list_json(h, NULL);
		assert_int_equal(json_array_size(l), 3);
		assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0),
								       "name")), "a");
		json_decref(l);
		l = health_list_json(h, "other");
		assert_int_equal(json_array_size(l), 0);
		json_decref(l);
	}
	create(h, "{\"name\":\"e\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	assert_int_equal(health_slot("e", NULL, h), 3);
	health_free(h);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- writers racing each other ---- */

struct stress {
	struct health	*h;
	int		port;
	unsigned int	seed;
};

static int stress_errors;

/* Not fail_msg: cmocka's longjmp belongs to the main thread. */
static void stress_bad(const char *name, const char *op, int err)
{
	fprintf(stderr, "%s %s: %s\n", op, name, strerror(-err));
	__atomic_fetch_add(&stress_errors, 1, __ATOMIC_RELAXED);
}

/* Creates, replaces and deletes the same three checks: every result is one
 * of those the API expects, and nothing is touched after it is freed. */
static void *stress_main(void *arg)
{
	struct stress *s = arg;
	struct health_spec spec;
	char name[8];
	int i, op, err;

	for (i = 0; i < 300; i++) {
		op = rand_r(&s->seed) % 3;
		snprintf(name, sizeof(name), "s%d", rand_r(&s->seed) % 3);
		spec_of(&spec, "{\"name\":\"%s\",\"type\":\"tcp\",\"target\":\"127.0.0.%d:%d\","
			"\"interval\":1,\"timeout\":0.5}", name, 1 + rand_r(&s->seed) % 200,
			s->port);
		if (op == 0) {
			err = health_create(s->h, &spec);
			if (err && err != -EEXIST)
				stress_bad(name, "create", err);
		} else if (op == 1) {
			err = health_replace(s->h, &spec, NULL);
			if (err && err != -ENOENT)
				stress_bad(name, "replace", err);
		} else {
			err = health_delete(s->h, name, rand_r(&s->seed) % 2 ? NULL : "acme");
			if (err && err != -ENOENT)
				stress_bad(name, "delete", err);
		}
	}
	return NULL;
}

static void test_stress(void **state)
{
	char dir[] = "/tmp/test_health.XXXXXX", cmd[64], name[8];
	struct stress s[6];
	struct server srv;
	struct store *st;
	struct health *h;
	pthread_t th[6];
	json_t *before[3], *after;
	int i;

	(void)state;
	server_start(&srv, NULL, NULL);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(&st, dir), 0);
	assert_int_equal(health_new(&h, st, &bits), 0);
	assert_int_equal(health_start(h), 0);
	for (i = 0; i < 6; i++) {
		s[i] = (struct stress){ .h = h, .port = srv.port, .seed = 1234 + i };
		assert_int_equal(pthread_create(&th[i], NULL, stress_main, &s[i]), 0);
	}
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(stress_errors, 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		before[i] = health_get_json(h, name, NULL);
	}
	health_free(h);
	/* What the store kept is what was served: no write applied out of order. */
	assert_int_equal(health_new(&h, st, &bits), 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		after = health_get_json(h, name, NULL);
		assert_int_equal(!before[i], !after);
		if (after)
			assert_string_equal(json_string_value(json_object_get(before[i], "target")),
					    json_string_value(json_object_get(after, "target")));
		json_decref(before[i]);
		json_decref(after);
	}
	health_free(h);
	store_close(st);
	server_stop(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* PUT keeps the account and sees only the caller's checks; an account has
 * account_max checks at most, the operator any number. */
static void test_accounts(void **state)
{
	struct health_spec spec;
	struct health *h;
	json_t *o;

	(void)state;
	assert_int_equal(health_new(&h, NULL, &bits), 0);
	health_set_account_max(h, 2);
	create(h, "{\"name\":\"a\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	create(h, "{\"name\":\"b\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	spec_of(&spec, "{\"name\":\"c\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	assert_int_equal(health_create(h, &spec), -EDQUOT);
	snprintf(spec.account, sizeof(spec.account), "%s", HEALTH_SHARED_ACCOUNT);
	assert_int_equal(health_create(h, &spec), 0);
	spec_of(&spec, "{\"name\":\"d\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	snprintf(spec.account, sizeof(spec.account), "%s", HEALTH_SHARED_ACCOUNT);
	assert_int_equal(health_create(h, &spec), 0);
	assert_int_equal(health_delete(h, "b", "acme"), 0);
	create(h, "{\"name\":\"b\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");

	spec_of(&spec, "{\"name\":\"a\",\"type\":\"tcp\",\"target\":\"198.18.0.3:80\"}");
	assert_int_equal(health_replace(h, &spec, "other"), -ENOENT);
	spec.account[0] = 0;
	assert_int_equal(health_replace(h, &spec, "acme"), 0);
	o = health_get_json(h, "a", NULL);
	assert_string_equal(json_string_value(json_object_get(o, "account")), "acme");
	assert_string_equal(json_string_value(json_object_get(o, "target")), "198.18.0.3:80");
	json_decref(o);
	snprintf(spec.account, sizeof(spec.account), "other");
	assert_int_equal(health_replace(h, &spec, NULL), -EPERM);
	/* Deleted once only. */
	assert_int_equal(health_delete(h, "a", NULL), 0);
	assert_int_equal(health_delete(h, "a", NULL), -ENOENT);
	assert_int_equal(health_replace(h, &spec, NULL), -ENOENT);
	health_free(h);
}

static void expect_refused(const char *target, const char *want)
{
	struct health_spec spec;
	const char *why;

	spec_of(&spec, "{\"name\":\"w\",\"type\":\"http\",\"target\":\"%s\"}", target);
	why = health_target_refused(&spec);
	if (!want && why)
		fail_msg("%s: refused as %s", target, why);
	if (want && (!why || strcmp(why, want)))
		fail_msg("%s: %s, wanted %s", target, why ? why : "allowed", want);
}

static void test_targets(void **state)
{
	(void)state;
	expect_refused("127.0.0.1:80", "loopback");
	expect_refused("127.1.2.3:80", "loopback");
	expect_refused("0.0.0.0:80", "unspecified");
	expect_refused("169.254.169.254:80", "link-local");
	expect_refused("224.0.0.1:80", "multicast");
	expect_refused("255.255.255.255:80", "broadcast");
	expect_refused("[::1]:80", "loopback");
	expect_refused("[::]:80", "unspecified");
	expect_refused("[::127.0.0.1]:80", "IPv4-compatible");
	expect_refused("[::ffff:127.0.0.1]:80", "loopback");
	expect_refused("[::ffff:169.254.169.254]:80", "link-local");
	expect_refused("[fe80::1]:80", "link-local");
	expect_refused("[febf::1]:80", "link-local");
	expect_refused("[ff02::1]:80", "multicast");
	expect_refused("198.18.0.2:80", NULL);
	expect_refused("10.0.0.1:80", NULL);
	expect_refused("192.168.1.1:80", NULL);
	expect_refused("[2001:db8::2]:443", NULL);
	expect_refused("[fc00::1]:80", NULL);
	expect_refused("[fec0::1]:80", NULL);
	expect_refused("[::ffff:198.18.0.2]:80", NULL);
}

/* A check the store holds but that could not be loaded keeps its name taken
 * until the operator deletes it. */
static void test_unloaded(void **state)
{
	char dir[] = "/tmp/test_health.XXXXXX", cmd[64];
	const char bad[] = "{\"name\":\"old\",\"type\":\"gopher\"}";
	struct health_spec spec;
	struct store_txn *t;
	struct store *st;
	struct health *h;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(&st, dir), 0);
	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(store_check_put(t, "old", bad, strlen(bad)), 0);
	assert_int_equal(store_txn_commit(t), 0);
	assert_int_equal(health_new(&h, st, &bits), 0);
	assert_null(health_get_json(h, "old", NULL));
	spec_of(&spec, "{\"name\":\"old\",\"type\":\"tcp\",\"target\":\"198.18.0.2:80\"}");
	assert_int_equal(health_create(h, &spec), -ESTALE);
	assert_int_equal(health_delete(h, "old", "acme"), -ENOENT);
	assert_int_equal(health_delete(h, "old", NULL), 0);
	assert_int_equal(health_delete(h, "old", NULL), -ENOENT);
	assert_int_equal(health_create(h, &spec), 0);
	health_free(h);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the HTTP parser against canned responses ---- */

struct canned {
	int		lfd, port;
	pthread_t	thread;
	const char	*resp;
	bool		keep_open;	/* as a keep-alive server would */
	char		req[2048];
};

static void *canned_main(void *arg)
{
	struct canned *c = arg;
	struct pollfd p;
	char buf[64];
	int fd, n;

	fd = accept(c->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 2000) == 1) {
		n = recv(fd, c->req, sizeof(c->req) - 1, 0);
		c->req[n > 0 ? n : 0] = 0;
		send(fd, c->resp, strlen(c->resp), MSG_NOSIGNAL);
		/* Open until the client is done. */
		while (c->keep_open && poll(&p, 1, 3000) == 1 && recv(fd, buf, sizeof(buf), 0) > 0)
			;
	}
	close(fd);
	return NULL;
}

/* One probe of a server that answers resp, run here; returns its duration in ms. */
static uint64_t probe_canned(struct canned *c, const char *spec_json, const char *resp,
			     bool keep_open, struct health_probe *p)
{
	struct health_spec spec;
	struct pollfd pf;
	uint64_t t0 = now_ms(), end = t0 + 2000;
	int r;

	memset(c, 0, sizeof(*c));
	c->resp = resp;
	c->keep_open = keep_open;
	c->lfd = listen_any(&c->port);
	assert_int_equal(pthread_create(&c->thread, NULL, canned_main, c), 0);
	spec_of(&spec, spec_json, c->port);
	r = health_probe_start(p, &spec, NULL);
	while (!r) {
		pf = (struct pollfd){ .fd = p->fd, .events = p->events };
		if (now_ms() >= end || poll(&pf, 1, end - now_ms()) <= 0) {
			health_probe_fail(p, "timeout");
			break;
		}
		r = health_probe_step(p);
	}
	health_probe_close(p);
	pthread_join(c->thread, NULL);
	close(c->lfd);
	p->spec = NULL;
	return now_ms() - t0;
}

#define PLAIN	"{\"name\":\"p\",\"type\":\"http\",\"target\":\"127.0.0.1:%d\"}"
#define BODY	"{\"name\":\"p\",\"type\":\"http\",\"target\":\"127.0.0.1:%d\",\"body\":\"ok\"}"

static void expect_probe(const char *spec_json, const char *resp, bool keep_open, bool ok,
			 int status, const char *error)
{
	struct health_probe p;
	struct canned c;
	uint64_t ms = probe_canned(&c, spec_json, resp, keep_open, &p);

	if (p.ok != ok || p.status != status || (error && !strstr(p.error, error)))
		fail_msg("%s: ok %d status %d error \"%s\" in %lu ms; wanted %d %d \"%s\"", resp,
			 p.ok, p.status, p.error, (unsigned long)ms, ok, status,
			 error ? error : "");
	/* Never the timeout: each verdict comes from what was sent. */
	assert_true(ms < 1500);
}

static void test_http_parse(void **state)
{
	(void)state;
	expect_probe(PLAIN, "HTTP/1.1 200 OK\r\n\r\n", false, true, 200, NULL);
	expect_probe(PLAIN, "HTTP/1.0 204\r\n\r\n", false, true, 204, NULL);
	expect_probe(PLAIN, "HTTP/1.1 200\n\n", false, true, 200, NULL);
	expect_probe(PLAIN, "HTTP/1.1 2000 OK\r\n\r\n", false, false, -1, "malformed");
	expect_probe(PLAIN, "HTTP/1.1 \r\n200 OK\r\n\r\n", false, false, -1, "malformed");
	expect_probe(PLAIN, "HTTP/1.1  200 OK\r\n\r\n", false, false, -1, "malformed");
	expect_probe(PLAIN, "HTTP/1.1 20 OK\r\n\r\n", false, false, -1, "malformed");
	expect_probe(PLAIN, "HTTP/1.1 +20 OK\r\n\r\n", false, false, -1, "malformed");
	expect_probe(PLAIN, "HTTP/1.x 200 OK\r\n\r\n", false, false, -1, "malformed");
	expect_probe(PLAIN, "HTTP/1.1 503 Busy\r\n\r\n", false, false, 503, "status 503");
	/* Interim responses are skipped, the final one decides. */
	expect_probe(PLAIN, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
		     "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\r\n\r\n", false, true, 200, NULL);
	expect_probe(PLAIN, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 X\r\n\r\n", false, false,
		     500, "status 500");
	expect_probe(PLAIN, "HTTP/1.1 100 Continue\r\n", false, false, -1, "cut short");
	/* Bodies: bare LF line ends, and a keep-alive server with a Content-Length. */
	expect_probe(BODY, "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, true, 200, NULL);
	expect_probe(BODY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, true, 200,
		     NULL);
	expect_probe(BODY, "HTTP/1.1 200 OK\r\ncontent-length:  4\r\n\r\nnope", true, false,
		     200, "not found");
	/* Beyond the Content-Length is not the body. */
	expect_probe(BODY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nnook", false, false,
		     200, "not found");
	expect_probe(BODY, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n",
		     true, true, 200, NULL);
}

static void expect_host(const char *host, const char *want)
{
	struct health_probe p;
	struct canned c;
	char spec_json[256];

	snprintf(spec_json, sizeof(spec_json), "{\"name\":\"p\",\"type\":\"http\","
		 "\"target\":\"127.0.0.1:%%d\",\"host\":\"%s\"}", host);
	probe_canned(&c, spec_json, "HTTP/1.1 200 OK\r\n\r\n", false, &p);
	if (!strstr(c.req, want))
		fail_msg("host %s: no \"%s\" in %s", host, want, c.req);
}

static void test_host(void **state)
{
	struct health_spec spec;
	struct health_probe p;
	struct canned c;
	char want[64];

	(void)state;
	/* Without a host, the target; its port unless the scheme's. */
	probe_canned(&c, PLAIN, "HTTP/1.1 200 OK\r\n\r\n", false, &p);
	snprintf(want, sizeof(want), "\r\nHost: 127.0.0.1:%d\r\n", c.port);
	if (!strstr(c.req, want))
		fail_msg("no \"%s\" in %s", want, c.req);
	spec_of(&spec, "{\"name\":\"p\",\"type\":\"https\",\"target\":\"[2001:db8::2]:443\"}");
	health_target_text(&spec, 443, want, sizeof(want));
	assert_string_equal(want, "[2001:db8::2]");
	health_target_text(&spec, 0, want, sizeof(want));
	assert_string_equal(want, "[2001:db8::2]:443");
	spec_of(&spec, "{\"name\":\"p\",\"type\":\"http\",\"target\":\"198.18.0.2:80\"}");
	health_target_text(&spec, 80, want, sizeof(want));
	assert_string_equal(want, "198.18.0.2");
	expect_host("www.example.com", "\r\nHost: www.example.com\r\n");
	expect_host("www.example.com.", "\r\nHost: www.example.com.\r\n");
	expect_host("198.18.0.2", "\r\nHost: 198.18.0.2\r\n");
	expect_host("2001:db8::2", "\r\nHost: [2001:db8::2]\r\n");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\"www.example.com:8080\"}", "host");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\"198.18.0.2:80\"}", "host");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\"[2001:db8::2]\"}", "host");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\"www..example\"}", "host");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\".\"}", "host");
	expect_invalid("{\"name\":\"w\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
		       "\"host\":\"www.example.com..\"}", "host");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_slots_persist),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_unloaded),
		cmocka_unit_test(test_http_parse),
		cmocka_unit_test(test_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
